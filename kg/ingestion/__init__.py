"""Loading every channel's records into one customer graph."""
