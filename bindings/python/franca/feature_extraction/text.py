"""Text features (hashing, TF-IDF), generated from libfranca's estimator listing.

Documents are lists or arrays of str (or bytes, taken as UTF-8); they are encoded once to
UTF-8 bytes plus int64 offsets, the string column franca reads."""
from .._estimator import _sklearn_class, module_namespace


class _StopWordsCheck:
    """Before transforming, scikit-learn's check of a stop-word list against the preprocessing and
    tokenization (its vectorizers' build_analyzer makes it): a UserWarning names the tokens of the
    stop words that are not stop words themselves ("you've" gives 've'), which the word analyzer
    would then keep. Made once per list (cached by its id, as scikit-learn's)."""

    def _check_stop_words_consistency(self, stop_words, preprocess, tokenize):
        # scikit-learn's own: it reads only self.stop_words and keeps its cache on self
        return _sklearn_class(self._spec)._check_stop_words_consistency(self, stop_words, preprocess, tokenize)

    def _warn_for_inconsistent_stop_words(self):
        if (self.analyzer != "word" or self.stop_words is None or self._left_to_python()
                or id(self.stop_words) == getattr(self, "_stop_words_id", None)):
            return  # char n-grams ignore stop words; scikit-learn's own analyzer checks what it runs
        self._check_stop_words_consistency(self.get_stop_words(), self.build_preprocessor(), self.build_tokenizer())

    def transform(self, X):
        self._warn_for_inconsistent_stop_words()
        return super().transform(X)

    def fit_transform(self, X, y=None, sample_weight=None):
        self._warn_for_inconsistent_stop_words()
        return super().fit_transform(X, y, sample_weight)


__all__, __getattr__ = module_namespace(__name__, mixins={"HashingVectorizer": _StopWordsCheck})
