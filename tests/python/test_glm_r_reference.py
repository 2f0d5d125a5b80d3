"""franca's linear models against R on real data from R's AER package. The unpenalised GLMs
(alpha=0) against glm(): the maximum-likelihood coefficients do not depend on the software, so
franca's must match R's (IRLS, converged to epsilon 1e-12) to 1e-6: Poisson and Tweedie (power
1.5, log link, through statmod's tweedie family) on RecreationDemand's trips, Gamma (log link) on
CPS1988's wages. Lasso and ElasticNet against glmnet, whose gaussian objective is scikit-learn's
(1/2n RSS + lambda (alpha ||b||_1 + (1 - alpha)/2 ||b||^2)) once y has unit variance (glmnet
rescales y otherwise), on CPS1988's log wages. Needs Rscript with AER, statmod and glmnet
(r-cran-aer, r-cran-glmnet); skipped where they are missing. Run with
FRANCA_LIBRARY=path/to/libfranca.so."""
import io
import shutil
import subprocess

import numpy as np
import pytest

from franca import linear_model as fr

COEF_RTOL = 1e-6  # max |franca - R| / max |R|, intercept included

# (franca estimator, its parameters, R family, R data set, formula): the formula's columns are
# the design franca gets too (R's model.matrix, one-hot factors, without the intercept column).
CASES = {
    "poisson": (fr.PoissonRegressor, {}, "poisson(link='log')", "RecreationDemand",
                "trips ~ quality + income + userfee + costC + costS + costH"),
    "tweedie-1.5": (fr.TweedieRegressor, {"power": 1.5, "link": "log"}, "statmod::tweedie(var.power=1.5, link.power=0)",
                    "RecreationDemand", "trips ~ quality + income + userfee + costC + costS + costH"),
    "gamma": (fr.GammaRegressor, {}, "Gamma(link='log')", "CPS1988",
              "wage ~ education + experience + ethnicity + smsa + region + parttime"),
}


def run_r(script, packages):
    """Runs an R script that writes a CSV to stdout and a line "coef ..." to stderr; returns both."""
    if shutil.which("Rscript") is None:
        pytest.skip("needs Rscript (Debian packages r-base-core, r-cran-aer, r-cran-glmnet)")
    check = " && ".join(f'requireNamespace("{p}", quietly=TRUE)' for p in packages)
    done = subprocess.run(["Rscript", "-e", f"if (!({check})) quit(status=3)\n{script}"], capture_output=True,
                          text=True)
    if done.returncode == 3:
        pytest.skip(f"needs R's packages {', '.join(packages)}")
    assert done.returncode == 0, done.stderr[-500:]
    data = np.loadtxt(io.StringIO(done.stdout), delimiter=",", skiprows=1)
    coef_line = [line for line in done.stderr.splitlines() if line.startswith("coef ")][-1]
    return data, np.array(coef_line.split()[1:], dtype=np.float64)


def r_fit(family, dataset, formula):
    """(X, y, coefficients with the intercept first) from R: the design matrix R's glm used."""
    data, coef = run_r(f"""
        data({dataset}, package="AER")
        m <- glm({formula}, data={dataset}, family={family}, control=glm.control(epsilon=1e-12, maxit=200))
        X <- model.matrix(m)[, -1, drop=FALSE]
        write.csv(cbind(y=model.response(model.frame(m)), X), stdout(), row.names=FALSE)
        cat("coef", format(coef(m), digits=17), "\\n", file=stderr())
    """, ["AER", "statmod"])
    return data[:, 1:], data[:, 0], coef


@pytest.mark.parametrize("case", sorted(CASES))
def test_unpenalised_fit_matches_r_glm(case):
    estimator, params, family, dataset, formula = CASES[case]
    X, y, reference = r_fit(family, dataset, formula)
    # Unit-variance columns: the same maximum-likelihood fit (coef_ divided by the scales), but
    # conditioned well enough for L-BFGS to reach it to R's precision (on raw CPS1988 it stops,
    # as scikit-learn's does, where the objective no longer falls in float64, 1e-5 away).
    scale = X.std(axis=0)
    model = estimator(alpha=0, tol=1e-12, max_iter=10000, **params).fit(X / scale, y)
    ours = np.concatenate([[model.intercept_], model.coef_ / scale])
    gap = np.max(np.abs(ours - reference)) / np.max(np.abs(reference))
    assert gap <= COEF_RTOL, f"{case}: franca {ours} against R {reference} (relative gap {gap:.2e})"


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_elastic_net_matches_glmnet(l1_ratio):
    alpha = 0.01
    data, reference = run_r(f"""
        data(CPS1988, package="AER")
        X <- model.matrix(~ education + experience + I(experience^2 / 100) + ethnicity + smsa + region + parttime,
                          CPS1988)[, -1]
        y <- log(CPS1988$wage)
        y <- (y - mean(y)) / sqrt(mean((y - mean(y))^2))
        m <- glmnet::glmnet(X, y, family="gaussian", alpha={l1_ratio}, lambda={alpha}, standardize=FALSE,
                            thresh=1e-20, maxit=1e7)
        write.csv(cbind(y=y, X), stdout(), row.names=FALSE)
        cat("coef", format(as.numeric(coef(m)), digits=17), "\\n", file=stderr())
    """, ["AER", "glmnet"])
    X, y = data[:, 1:], data[:, 0]
    estimator = fr.Lasso(alpha=alpha) if l1_ratio == 1 else fr.ElasticNet(alpha=alpha, l1_ratio=l1_ratio)
    model = estimator.set_params(tol=1e-12, max_iter=100000).fit(X, y)
    ours = np.concatenate([[model.intercept_], model.coef_])
    gap = np.max(np.abs(ours - reference)) / np.max(np.abs(reference))
    assert gap <= COEF_RTOL, f"l1_ratio={l1_ratio}: franca {ours} against glmnet {reference} (relative gap {gap:.2e})"
