"""Understanding what callers say: normalisation, a lexicon-and-grammar intent layer, a small
shipped classifier, and parsers for dates of birth, requested times and names. Everything here is
pure (no I/O beyond the model file shipped beside the code) and never reads the evaluation's
held-out phrasings."""
