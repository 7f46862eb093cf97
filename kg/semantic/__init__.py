"""Reading meaning: the sentence encoder, the heads over it and the model versions."""
