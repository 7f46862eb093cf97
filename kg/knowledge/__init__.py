"""Knowledge from many messages at once: recurring questions with the answers that closed them
and what a published answer would deflect, and emerging topics the taxonomy does not cover."""
