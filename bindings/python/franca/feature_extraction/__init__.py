"""Feature extraction; the text estimators are in franca.feature_extraction.text."""
