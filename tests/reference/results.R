# Fixed reference numbers for maximum-likelihood multivariate-normal fits with lavaan:
# saturated model on iris (expected and robust Huber-White SEs), saturated FIML on
# airquality (observed information) and compound symmetry on the Orthodont wide data.
# Writes tests/reference/results.json (reads data/iris.csv, data/airquality.csv and
# data/orthodont_wide.csv, which structures.R and tests.R wrote; nothing is re-exported).
#
#   Rscript tests/reference/results.R        (run from the repository root)
#
# Conventions (see README.md): ML covariance divisor n; log-likelihoods are full MVN
# log-likelihoods including the -n p/2 log(2 pi) constant; SEs are sqrt(diag(inverse of the
# TOTAL information for n observations)); lavaan likelihood = "normal" (N, not N-1).

source(file.path("tests", "reference", "common.R"))
suppressPackageStartupMessages({
  library(lavaan); library(numDeriv); library(mvtnorm)
})

out <- list()
checks <- list()
out$meta <- list(
  script = "tests/reference/results.R",
  regenerate = "Rscript tests/reference/results.R",
  versions = versions(c("lavaan", "numDeriv", "mvtnorm", "jsonlite")),
  conventions = list(
    covariance_divisor = "n (maximum likelihood)",
    loglik = "full MVN log-likelihood: sum_i log phi_p(x_i; mu, Sigma), includes -n*p/2*log(2*pi); FIML: sum over rows of the observed-part density",
    se = "sqrt(diag(solve(I))) with I the TOTAL information of all n observations (lavaan likelihood='normal' => N, not N-1)",
    parameter_order = "as in lavaan's parameter table, i.e. the order of the lines in the model syntax (stored under lavaan_models)",
    z_pvalue_ci = "z = est/se; pvalue = 2*pnorm(-|z|); ci = est -/+ qnorm(0.975)*se (Wald, level 0.95)",
    aic_bic = "aic = -2 logl + 2 npar; bic = -2 logl + npar log(ntotal)",
    json_precision = "jsonlite digits=NA: 15 significant digits; NA (z/pvalue of fixed parameters) written as null"
  )
)

# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
na_null <- function(x) if (is.na(x)) NA else x        # logical NA -> JSON null

lav_options <- function(fit) {
  opt <- lavInspect(fit, "options")
  list(estimator = opt$estimator, likelihood = opt$likelihood,
       information = opt$information[1], observed.information = opt$observed.information[1],
       h1.information = opt$h1.information[1], se = opt$se, missing = opt$missing,
       meanstructure = opt$meanstructure, fixed.x = opt$fixed.x, conditional.x = opt$conditional.x)
}
lav_params <- function(fit, ci = FALSE) {
  pe <- parameterEstimates(fit, ci = ci, level = 0.95)
  lapply(seq_len(nrow(pe)), function(i) {
    r <- list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], label = if (is.null(pe$label)) "" else pe$label[i],
              est = pe$est[i], se = pe$se[i], z = na_null(pe$z[i]), pvalue = na_null(pe$pvalue[i]))
    if (ci) { r$ci.lower <- pe$ci.lower[i]; r$ci.upper <- pe$ci.upper[i] }
    r
  })
}
lav_out <- function(r, ci = FALSE) {
  fit <- r$value
  fm <- fitMeasures(fit, c("logl", "aic", "bic", "npar", "ntotal"))
  list(command = r$command, options = lav_options(fit),
       converged = lavInspect(fit, "converged"), nobs = lavInspect(fit, "nobs"),
       npar = unname(fm["npar"]), ntotal = unname(fm["ntotal"]),
       logl = unname(fm["logl"]), aic = unname(fm["aic"]), bic = unname(fm["bic"]),
       params = lav_params(fit, ci = ci))
}
lav_call <- function(model, data, extra = "") {
  sprintf('lavaan::lavaan(model = %s, data = %s, estimator = "ML", likelihood = "normal", meanstructure = TRUE%s)',
          model, data, extra)
}
# saturated syntax: means, variances, covariances (combn order), all free
sat_syntax <- function(v) {
  pr <- t(combn(v, 2))
  paste(paste(paste0(v, " ~ 1"), collapse = "\n"),
        paste(paste0(v, " ~~ ", v), collapse = "\n"),
        paste(paste0(pr[, 1], " ~~ ", pr[, 2]), collapse = "\n"), sep = "\n")
}
mvn_ll <- function(X, mu, Sigma) sum(mvtnorm::dmvnorm(X, mu, Sigma, log = TRUE))
ll_closed <- function(X) {           # saturated closed form -n/2 (p log 2pi + log|S_n| + p)
  n <- nrow(X); p <- ncol(X)
  S <- crossprod(sweep(X, 2, colMeans(X))) / n
  -n / 2 * (p * log(2 * pi) + as.numeric(determinant(S)$modulus) + p)
}
fiml_ll <- function(Xm, mu, S) {
  sum(sapply(seq_len(nrow(Xm)), function(i) {
    o <- !is.na(Xm[i, ])
    if (!any(o)) return(0)
    mvtnorm::dmvnorm(Xm[i, o], mu[o], S[o, o, drop = FALSE], log = TRUE)
  }))
}
# lavaan parameter vector -> (mu, Sigma) for a saturated model (by lhs/op/rhs)
pe_moments <- function(pe, v) {
  mu <- setNames(numeric(length(v)), v); S <- matrix(0, length(v), length(v), dimnames = list(v, v))
  for (i in seq_len(nrow(pe))) {
    if (pe$op[i] == "~1") mu[pe$lhs[i]] <- pe$est[i]
    if (pe$op[i] == "~~") { S[pe$lhs[i], pe$rhs[i]] <- pe$est[i]; S[pe$rhs[i], pe$lhs[i]] <- pe$est[i] }
  }
  list(mu = mu, Sigma = S)
}
# generic Wald-column checks (z, p, CI) for a parameterEstimates table
wald_checks <- function(fit, key, ci = FALSE) {
  pe <- parameterEstimates(fit, ci = ci, level = 0.95)
  free <- pe$se > 0
  res <- list(
    check(paste0(key, ": z == est/se"), pe$z[free], pe$est[free] / pe$se[free], 1e-12 * max(abs(pe$z[free]))),
    check(paste0(key, ": pvalue == 2 pnorm(-|z|)"), pe$pvalue[free], 2 * pnorm(-abs(pe$z[free])), 1e-14))
  if (ci) res[[3]] <- check(paste0(key, ": ci == est -/+ qnorm(.975) se"), c(pe$ci.lower, pe$ci.upper),
                            c(pe$est - qnorm(0.975) * pe$se, pe$est + qnorm(0.975) * pe$se), 1e-12)
  res
}
# duplication matrix D_p: vec(S) = D vech(S)
dup_matrix <- function(p) {
  idx <- which(lower.tri(diag(p), diag = TRUE), arr.ind = TRUE)
  D <- matrix(0, p * p, nrow(idx))
  for (k in seq_len(nrow(idx))) {
    i <- idx[k, 1]; j <- idx[k, 2]
    D[(j - 1) * p + i, k] <- 1; D[(i - 1) * p + j, k] <- 1
  }
  list(D = D, idx = idx)
}

# ---------------------------------------------------------------------------------------
# data (written by tests.R and structures.R; read back, not re-exported)
# ---------------------------------------------------------------------------------------
iris <- read.csv(file.path(DATA_DIR, "iris.csv"))
airquality <- read.csv(file.path(DATA_DIR, "airquality.csv"))
orth <- read.csv(file.path(DATA_DIR, "orthodont_wide.csv"))
ivars <- c("Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width")
avars <- c("Ozone", "Solar.R", "Wind", "Temp")
ovars <- c("d8", "d10", "d12", "d14")
checks[[length(checks) + 1]] <- check("data/iris.csv numeric columns == datasets::iris",
                                      as.matrix(iris[, ivars]), as.matrix(datasets::iris[, ivars]), 0)
checks[[length(checks) + 1]] <- check("data/iris.csv Species == datasets::iris$Species (mismatch count)",
                                      sum(iris$Species != as.character(datasets::iris$Species)), 0, 0)
checks[[length(checks) + 1]] <- check("data/airquality.csv NA pattern == datasets::airquality (mismatch count)",
                                      sum(is.na(airquality) != is.na(datasets::airquality)), 0, 0)
checks[[length(checks) + 1]] <- check("data/airquality.csv values == datasets::airquality (non-NA cells)",
                                      as.matrix(airquality)[!is.na(airquality)],
                                      as.matrix(datasets::airquality)[!is.na(datasets::airquality)], 0)
out$data <- list(
  iris = list(file = "tests/reference/data/iris.csv", command = "iris <- read.csv('tests/reference/data/iris.csv')",
              n = nrow(iris), columns_used = ivars),
  airquality = list(file = "tests/reference/data/airquality.csv", command = "airquality <- read.csv('tests/reference/data/airquality.csv')",
                    n = nrow(airquality), columns_used = avars,
                    n_missing_cells = nv(colSums(is.na(airquality[, avars]))),
                    n_complete_rows = sum(complete.cases(airquality[, avars]))),
  orthodont = list(file = "tests/reference/data/orthodont_wide.csv", command = "orth <- read.csv('tests/reference/data/orthodont_wide.csv')",
                   n = nrow(orth), columns_used = ovars))

m_iris <- sat_syntax(ivars)
m_air <- sat_syntax(avars)
opairs <- t(combn(ovars, 2))
m_cs <- paste(paste(paste0(ovars, " ~ 1"), collapse = "\n"),
              paste(paste0(ovars, " ~~ v*", ovars), collapse = "\n"),
              paste(paste0(opairs[, 1], " ~~ c*", opairs[, 2]), collapse = "\n"), sep = "\n")
out$lavaan_models <- list(iris_saturated = m_iris, air_saturated = m_air, orthodont_cs = m_cs)

# ---------------------------------------------------------------------------------------
# 1. iris saturated, expected information
# ---------------------------------------------------------------------------------------
Xi <- as.matrix(iris[, ivars]); ni <- nrow(Xi); pi_ <- ncol(Xi)
xbar_i <- colMeans(Xi); S_i <- cov(Xi) * (ni - 1) / ni
r <- run(lav_call("m_iris", "iris[, 1:4]", ', information = "expected", se = "standard"'))
fit_ie <- r$value
out$iris_saturated_expected <- lav_out(r, ci = TRUE)
out$iris_saturated_expected$sample <- list(mean = nv(xbar_i), cov_ml_divisor_n = mat(S_i),
                                           loglik_closed_form = ll_closed(Xi))
pe <- parameterEstimates(fit_ie)
mom <- pe_moments(pe, ivars)
checks[[length(checks) + 1]] <- check("iris saturated: row count of parameter table == 4 + 10 (nothing auto-added)", nrow(pe), 14, 0)
checks[[length(checks) + 1]] <- check("iris saturated: means == colMeans", mom$mu, xbar_i, 1e-8)
checks[[length(checks) + 1]] <- check("iris saturated: cov == cov*(n-1)/n", mom$Sigma, S_i, 1e-7)
checks[[length(checks) + 1]] <- check("iris saturated: logl == -n/2 (p log 2pi + log|S_n| + p)",
                                      out$iris_saturated_expected$logl, ll_closed(Xi), 1e-9)
fm <- out$iris_saturated_expected
checks[[length(checks) + 1]] <- check("iris saturated: aic == -2 logl + 2 npar", fm$aic, -2 * fm$logl + 2 * fm$npar, 1e-10)
checks[[length(checks) + 1]] <- check("iris saturated: bic == -2 logl + npar log n", fm$bic, -2 * fm$logl + fm$npar * log(ni), 1e-10)
checks[[length(checks) + 1]] <- check("iris saturated: npar == 14, nobs == 150", c(fm$npar, fm$nobs), c(14, 150), 0)
cf_se <- apply(pe[, c("lhs", "op", "rhs")], 1, function(z) {
  if (z[2] == "~1") sqrt(S_i[z[1], z[1]] / ni) else sqrt((S_i[z[1], z[1]] * S_i[z[3], z[3]] + S_i[z[1], z[3]]^2) / ni)
})
checks[[length(checks) + 1]] <- check("iris saturated expected SEs == sqrt(s_ii/n), sqrt((s_ii s_jj + s_ij^2)/n)", pe$se, cf_se, 1e-8)
out$iris_saturated_expected$closed_form_se <- "se(mu_i) = sqrt(s_ii/n); se(sigma_ij) = sqrt((s_ii s_jj + s_ij^2)/n), S_n divisor n"
checks <- c(checks, wald_checks(fit_ie, "iris saturated expected", ci = TRUE))

# ---------------------------------------------------------------------------------------
# 2. iris saturated, robust Huber-White (bread = expected information)
# ---------------------------------------------------------------------------------------
r <- run(lav_call("m_iris", "iris[, 1:4]", ', information = "expected", se = "robust.huber.white"'))
fit_ir <- r$value
out$iris_saturated_robust <- lav_out(r)
out$iris_saturated_robust$note <- paste(
  "sandwich A^-1 B A^-1 (total, no small-sample factor): A = expected information",
  "n * blockdiag(Sigma^-1, 1/2 D'(Sigma^-1 %x% Sigma^-1) D) at the estimates, B = sum_i s_i s_i' with the casewise scores",
  "s_i = (Sigma^-1 e_i, 1/2 D' vec(Sigma^-1 e_i e_i' Sigma^-1 - Sigma^-1)), e_i = x_i - mu. Estimates identical to iris_saturated_expected.")
# hand sandwich in lavaan's parameter order
per <- parameterEstimates(fit_ir)
mom <- pe_moments(per, ivars)
Si <- solve(mom$Sigma)
dm <- dup_matrix(pi_); D <- dm$D
vech_pos <- function(a, b) {                      # position of sigma_ab in vech (lower triangle, column-major)
  i <- match(a, ivars); j <- match(b, ivars); if (i < j) { t <- i; i <- j; j <- t }
  which(dm$idx[, 1] == i & dm$idx[, 2] == j)
}
ord <- sapply(seq_len(nrow(per)), function(k)
  if (per$op[k] == "~1") match(per$lhs[k], ivars) else pi_ + vech_pos(per$lhs[k], per$rhs[k]))
A <- matrix(0, pi_ + ncol(D), pi_ + ncol(D))
A[1:pi_, 1:pi_] <- ni * Si
A[pi_ + seq_len(ncol(D)), pi_ + seq_len(ncol(D))] <- ni / 2 * t(D) %*% (Si %x% Si) %*% D
E <- sweep(Xi, 2, mom$mu)
scores <- t(apply(E, 1, function(e) {
  M <- Si %*% e %*% t(e) %*% Si - Si
  c(Si %*% e, 0.5 * t(D) %*% as.vector(M))
}))
B <- crossprod(scores)
V_sw <- solve(A) %*% B %*% solve(A)
se_hand <- sqrt(diag(V_sw))[ord]
checks[[length(checks) + 1]] <- check("iris robust: SEs == hand sandwich (expected-information bread, score meat)", per$se, se_hand, 1e-8)
checks[[length(checks) + 1]] <- check("iris robust: est == iris expected est", per$est, pe$est, 0)
checks[[length(checks) + 1]] <- check("iris robust: options information == expected, se == robust.huber.white (mismatch count)",
                                      sum(c(out$iris_saturated_robust$options$information != "expected",
                                            out$iris_saturated_robust$options$se != "robust.huber.white")), 0, 0)
checks <- c(checks, wald_checks(fit_ir, "iris robust"))

# ---------------------------------------------------------------------------------------
# 3. airquality saturated FIML, observed information
# ---------------------------------------------------------------------------------------
Xa <- as.matrix(airquality[, avars])
r <- run(lav_call("m_air", "airquality", ', missing = "ml", information = "observed"'))
fit_ao <- r$value
out$air_fiml_observed <- lav_out(r)
pea <- parameterEstimates(fit_ao)
mom <- pe_moments(pea, avars)
ll_hand <- fiml_ll(Xa, mom$mu, mom$Sigma)
out$air_fiml_observed$implied_mean <- nv(mom$mu)
out$air_fiml_observed$implied_cov <- mat(mom$Sigma)
checks[[length(checks) + 1]] <- check("air FIML: logl == sum of observed-part dmvnorm at the estimates", out$air_fiml_observed$logl, ll_hand, 1e-8)
fm <- out$air_fiml_observed
checks[[length(checks) + 1]] <- check("air FIML: aic == -2 logl + 2 npar", fm$aic, -2 * fm$logl + 2 * fm$npar, 1e-10)
checks[[length(checks) + 1]] <- check("air FIML: bic == -2 logl + npar log(ntotal = 153)", fm$bic, -2 * fm$logl + fm$npar * log(153), 1e-10)
checks[[length(checks) + 1]] <- check("air FIML: npar == 14, ntotal == 153", c(fm$npar, fm$ntotal), c(14, 153), 0)
# observed information by hand: -numDeriv::hessian of the FIML log-likelihood in lavaan's parameter order
theta_a <- pea$est
ll_theta <- function(th) {
  pp <- pea; pp$est <- th; m <- pe_moments(pp, avars)
  ev <- eigen(m$Sigma, symmetric = TRUE, only.values = TRUE)$values
  if (min(ev) <= 0) return(-1e10)
  fiml_ll(Xa, m$mu, m$Sigma)
}
H <- numDeriv::hessian(ll_theta, theta_a)
se_num <- sqrt(diag(solve(-H)))
g_num <- numDeriv::grad(ll_theta, theta_a)
out$air_fiml_observed$hand_check <- list(
  command = "sqrt(diag(solve(-numDeriv::hessian(fiml_loglik, est))))  (fiml_loglik = sum of observed-part dmvnorm; parameters in lavaan order)",
  se_numDeriv = se_num, gradient_at_est = g_num)
checks[[length(checks) + 1]] <- check("air FIML observed SEs == numDeriv Hessian SEs (relative)", pea$se / se_num, rep(1, length(se_num)), 1e-5)
checks[[length(checks) + 1]] <- check("air FIML: gradient * se at lavaan estimates ~ 0 (optimizer accuracy)", g_num * se_num, 0 * g_num, 1e-4)
checks <- c(checks, wald_checks(fit_ao, "air FIML observed"))

# ---------------------------------------------------------------------------------------
# 4. Orthodont compound symmetry, expected information
# ---------------------------------------------------------------------------------------
Xo <- as.matrix(orth[, ovars]); no <- nrow(Xo); po <- ncol(Xo)
S_o <- cov(Xo) * (no - 1) / no
r <- run(lav_call("m_cs", "orth", ', information = "expected"'))
fit_cs <- r$value
out$orthodont_cs <- lav_out(r)
v_cf <- mean(diag(S_o)); c_cf <- mean(S_o[upper.tri(S_o)])
Sig_cs <- matrix(c_cf, po, po); diag(Sig_cs) <- v_cf
ll_cs <- mvn_ll(Xo, colMeans(Xo), Sig_cs)
# expected information for (v, c): I[a,b] = n/2 tr(Si dS_a Si dS_b), dS_v = I, dS_c = J - I; I_mu = n Si
Sic <- solve(Sig_cs); dS <- list(diag(po), matrix(1, po, po) - diag(po))
Iphi <- matrix(0, 2, 2)
for (a in 1:2) for (b in 1:2) Iphi[a, b] <- no / 2 * sum(diag(Sic %*% dS[[a]] %*% Sic %*% dS[[b]]))
se_cs_hand <- c(sqrt(diag(solve(no * Sic))), sqrt(diag(solve(Iphi))))
out$orthodont_cs$closed_form <- list(
  formula = "v = tr(S_n)/p, c = mean of the off-diagonal of S_n (exact MLE with saturated mean); expected information I_mu = n Sigma^-1, I_(v,c)[a,b] = n/2 tr(Sigma^-1 dS_a Sigma^-1 dS_b), dS_v = I, dS_c = J - I",
  mean = nv(colMeans(Xo)), v = v_cf, c = c_cf, logl = ll_cs,
  se = setNames(as.list(se_cs_hand), c(paste0("mu_", ovars), "v", "c")))
peo <- parameterEstimates(fit_cs)
est_cs <- c(sapply(ovars, function(x) peo$est[peo$lhs == x & peo$op == "~1"]),
            peo$est[peo$lhs == "d8" & peo$op == "~~" & peo$rhs == "d8"], peo$est[peo$lhs == "d8" & peo$op == "~~" & peo$rhs == "d10"])
se_cs <- c(sapply(ovars, function(x) peo$se[peo$lhs == x & peo$op == "~1"]),
           peo$se[peo$lhs == "d8" & peo$op == "~~" & peo$rhs == "d8"], peo$se[peo$lhs == "d8" & peo$op == "~~" & peo$rhs == "d10"])
checks[[length(checks) + 1]] <- check("orthodont CS: npar == 6", out$orthodont_cs$npar, 6, 0)
checks[[length(checks) + 1]] <- check("orthodont CS: (mu, v, c) == closed form", est_cs, c(colMeans(Xo), v_cf, c_cf), 1e-6)
checks[[length(checks) + 1]] <- check("orthodont CS: logl == closed form", out$orthodont_cs$logl, ll_cs, 1e-9)
# lavaan (v, c) is ~4e-7 from the closed form (nlminb accuracy), which moves the SEs by ~1e-7
checks[[length(checks) + 1]] <- check("orthodont CS: expected SEs == hand expected information at the closed-form MLE", se_cs, se_cs_hand, 1e-6)
fm <- out$orthodont_cs
checks[[length(checks) + 1]] <- check("orthodont CS: aic, bic formulas", c(fm$aic, fm$bic),
                                      c(-2 * fm$logl + 12, -2 * fm$logl + 6 * log(no)), 1e-10)
checks <- c(checks, wald_checks(fit_cs, "orthodont CS"))

out$checks <- checks
write_ref(out, "results.json")
message("failed checks: ", sum(!sapply(checks, `[[`, "ok")))
