"""The hourly publish job: read gold partitions, validate, aggregate, write public CSVs."""
