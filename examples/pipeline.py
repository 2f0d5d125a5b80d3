"""The pipeline franca's users want, unchanged but for the imports: hashing, TF-IDF and a
logistic regression in a scikit-learn pipeline tuned by RandomizedSearchCV.

Real text that every Debian machine has: the paragraphs of the licence texts in
/usr/share/common-licenses, labelled by whether they come from a GNU licence. With a GPU and
CuPy, `franca.set_config(device="cuda")` runs every franca stage there.

    FRANCA_LIBRARY=build/lib/libfranca.so PYTHONPATH=bindings/python /usr/bin/python3 examples/pipeline.py
"""
import pathlib
import time

import numpy as np
from sklearn.model_selection import RandomizedSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

import franca
from franca.feature_extraction.text import HashingVectorizer, TfidfTransformer
from franca.linear_model import LogisticRegression


def licence_paragraphs():
    docs, labels = [], []
    for path in sorted(pathlib.Path("/usr/share/common-licenses").iterdir()):
        if not path.is_file():
            continue
        gnu = path.name.startswith(("GPL", "LGPL", "GFDL"))
        for paragraph in path.read_text(errors="replace").split("\n\n"):
            if len(paragraph.split()) >= 8:
                docs.append(" ".join(paragraph.split()))
                labels.append("gnu" if gnu else "other")
    return docs, np.array(labels)


def main():
    docs, labels = licence_paragraphs()
    train_docs, test_docs, train_y, test_y = train_test_split(docs, labels, test_size=0.25, random_state=0,
                                                              stratify=labels)
    print(f"franca {franca.__version__}: {len(docs)} licence paragraphs, "
          f"{np.mean(labels == 'gnu'):.0%} from GNU licences")

    pipeline = make_pipeline(HashingVectorizer(), TfidfTransformer(), LogisticRegression())
    search = RandomizedSearchCV(pipeline, {"logisticregression__C": [0.1, 1, 10]}, n_iter=3, random_state=0)
    start = time.perf_counter()
    search.fit(train_docs, train_y)
    print(f"RandomizedSearchCV fitted 3 candidates x 5 folds in {time.perf_counter() - start:.2f} s; "
          f"best C = {search.best_params_['logisticregression__C']}")
    print(f"held-out accuracy: {search.score(test_docs, test_y):.3f}")
    print("predictions for two new paragraphs:",
          search.predict(["This program is free software; you can redistribute it under the terms of the "
                          "GNU General Public License as published by the Free Software Foundation.",
                          "Licensed under the Apache License, Version 2.0; you may not use this file except "
                          "in compliance with the License."]))


if __name__ == "__main__":
    main()
