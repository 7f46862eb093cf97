"""Finding messages by meaning and by words: hybrid retrieval over the graph's vector and
full-text indexes, highlighted snippets, and the closed cases most like a message."""
