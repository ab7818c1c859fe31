"""The property register: regions, municipalities, organisations, buildings, premises and ownerships."""
