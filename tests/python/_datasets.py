"""Real data sets installable from Debian 12's packages (see /usr/share/doc of each), loaded as
NumPy arrays for the parity tests and the benchmarks. Each loader raises DatasetMissing naming
the package when it is not installed; scripts/bootstrap.sh installs them in test mode."""
import functools
import gzip
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


class DatasetMissing(RuntimeError):
    pass


def _idx(path, header):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header)


@functools.lru_cache(maxsize=None)
def fashion_mnist():
    """(X_train, y_train, X_test, y_test): 60,000 and 10,000 images of 784 uint8 pixels, 10 classes
    (package dataset-fashion-mnist)."""
    if not (FASHION_MNIST / "train-images-idx3-ubyte.gz").exists():
        raise DatasetMissing("Fashion-MNIST needs the Debian package dataset-fashion-mnist")
    parts = [_idx(FASHION_MNIST / f"{name}-images-idx3-ubyte.gz", 16).reshape(-1, 784) if kind == "X"
             else _idx(FASHION_MNIST / f"{name}-labels-idx1-ubyte.gz", 8).astype(np.int64)
             for name in ("train", "t10k") for kind in ("X", "y")]
    return tuple(parts)


@functools.lru_cache(maxsize=None)
def r_dataset(name, package):
    """An R data set as (numeric columns, other columns) of strings/floats: Rscript writes it as CSV
    (packages r-cran-<package> and r-base-core)."""
    if shutil.which("Rscript") is None:
        raise DatasetMissing(f"{name} needs Rscript (Debian packages r-base-core, r-cran-{package.lower()})")
    script = f'data({name}, package="{package}"); write.csv({name}, stdout(), row.names=FALSE)'
    done = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
    if done.returncode != 0:
        raise DatasetMissing(f"{name}: Rscript failed (is r-cran-{package.lower()} installed?): {done.stderr[-300:]}")
    import pandas
    return pandas.read_csv(io.StringIO(done.stdout))


def mlbench(name):
    """Shuttle, LetterRecognition or Satellite as (X float64, y class codes): the class is the
    column of strings, every other column a number (package r-cran-mlbench)."""
    import pandas
    frame = r_dataset(name, "mlbench")
    # Strings are object columns in pandas < 3 and str columns from 3 on: the label is the one
    # column that is not numeric.
    label = [c for c in frame.columns if not pandas.api.types.is_numeric_dtype(frame[c])]
    assert len(label) == 1, f"{name}: expected one label column, got {label}"
    y = np.unique(frame[label[0]].to_numpy(), return_inverse=True)[1].astype(np.int64)
    return frame.drop(columns=label).to_numpy(dtype=np.float64), y


def cps1988():
    """CPS1988 wages as (X float64, log wage): education, experience, and the categorical columns
    one-hot (package r-cran-aer)."""
    import pandas
    frame = r_dataset("CPS1988", "AER")
    X = pandas.get_dummies(frame.drop(columns=["wage"]), dtype=np.float64)
    return X.to_numpy(dtype=np.float64), np.log(frame["wage"].to_numpy(dtype=np.float64))
