"""Pipeline health: config-declared stages and checks → status, history, alerts, Mermaid diagram."""
