"""From a message's text to concepts, entities, identifiers, sentiment, intents and emotions."""
