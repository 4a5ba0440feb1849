"""The source parsers: lab CSV, pH CSV and the two plants' operations workbooks."""
