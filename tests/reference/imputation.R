# Missing-data quantities beyond FIML estimation: lavaan's fraction of missing information
# (fmi), auxiliary variables as saturated correlates (semTools), and Rubin's rules for
# multiple imputation (mice::pool, mitools::MIcombine, mice::pool.scalar).
# Writes tests/reference/imputation.json and tests/reference/data/air_imp_1.csv .. air_imp_5.csv
# (reads data/airquality.csv).
#
#   Rscript tests/reference/imputation.R        (run from the repository root)
#
# Conventions (see README.md and groups_imputation.md): FIML log-likelihoods are full MVN
# log-likelihoods; SEs from the TOTAL information of all N observations (likelihood = "normal").

source(file.path("tests", "reference", "common.R"))
suppressPackageStartupMessages({
  library(lavaan); library(semTools); library(mice); library(mitools); library(numDeriv); library(mvtnorm)
})

out <- list()
checks <- list()
add_check <- function(...) checks[[length(checks) + 1]] <<- check(...)
check_rel <- function(what, a, b, tol) {   # max |a - b| / |b|
  a <- as.numeric(a); b <- as.numeric(b)
  add_check(paste(what, "(relative)"), (a - b) / abs(b), 0 * b, tol)
}

out$meta <- list(
  script = "tests/reference/imputation.R",
  regenerate = "Rscript tests/reference/imputation.R",
  versions = c(versions(c("lavaan", "semTools", "mice", "mitools", "broom", "numDeriv", "mvtnorm", "jsonlite")),
               list(RNGkind = RNGkind())),
  conventions = list(
    loglik = "full MVN log-likelihood; FIML: sum over rows of log phi(x_i,obs; mu_obs, Sigma_obs)",
    se = "sqrt(diag(solve(I))), I = total information of all N observations; information = 'observed' = minus the Hessian of the FIML log-likelihood",
    lavaan_fmi = "fmi = 1 - se_complete^2 / se_fiml^2, see air_fmi$formula",
    mice_pool = "Rubin (1987) with Barnard-Rubin (1999) degrees of freedom, see rubin_pool$formulas",
    json_precision = "jsonlite digits=NA: 15 significant digits; the imputed CSV files are written with 17 significant digits"
  )
)

# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
air <- read.csv(file.path(DATA_DIR, "airquality.csv"))
stopifnot(identical(air, datasets::airquality))
na0 <- function(m) { m <- as.matrix(m); c(is.na(m), ifelse(is.na(m), 0, m)) }
add_check("data/airquality.csv == datasets::airquality (NA pattern and values)", na0(air), na0(datasets::airquality), 0)
avars <- c("Ozone", "Solar.R", "Wind", "Temp")
X <- as.matrix(air[, avars]); N <- nrow(X)
out$data <- list(file = "tests/reference/data/airquality.csv",
                 command = "air <- read.csv('tests/reference/data/airquality.csv')  # identical to datasets::airquality",
                 variables = avars, n = N, n_missing = nv(colSums(is.na(X))),
                 n_rows_ozone_and_solar_missing = sum(is.na(air$Ozone) & is.na(air$Solar.R)))

# ---------------------------------------------------------------------------------------
# helpers: saturated lavaan syntax, parameter extraction, analytic FIML derivatives
# ---------------------------------------------------------------------------------------
sat_syntax <- function(vars) {
  pr <- t(combn(vars, 2))
  paste(c(paste0(vars, " ~ 1"), paste0(vars, " ~~ ", vars), paste0(pr[, 1], " ~~ ", pr[, 2])), collapse = "\n")
}
m_sat4 <- sat_syntax(avars)
m_sat2 <- sat_syntax(c("Ozone", "Solar.R"))
pe_rows <- function(pe, cols) lapply(seq_len(nrow(pe)), function(i) {
  r <- lapply(cols, function(cn) pe[[cn]][i]); names(r) <- cols; r
})
# (mu, vech) layout: means in variable order, then vech(Sigma) column-wise over the lower triangle
vech_pairs <- function(vars) { ix <- which(lower.tri(diag(length(vars)), diag = TRUE), arr.ind = TRUE); cbind(vars[ix[, 2]], vars[ix[, 1]]) }
par_keys <- function(vars) c(paste0(vars, "~1"), apply(vech_pairs(vars), 1, paste, collapse = "~~"))
pe_key <- function(pe) ifelse(pe$op == "~1", paste0(pe$lhs, "~1"), paste0(pe$lhs, pe$op, pe$rhs))
# est/se of a fit in the (mu, vech) layout; covariances looked up in either orientation
lav_layout <- function(pe, vars, what) {
  k <- pe_key(pe); k2 <- ifelse(pe$op == "~~", paste0(pe$rhs, "~~", pe$lhs), k)
  sapply(par_keys(vars), function(key) { i <- which(k == key | k2 == key); stopifnot(length(i) == 1); pe[[what]][i] })
}
vech_to_S <- function(v, p) { S <- matrix(0, p, p); S[lower.tri(S, diag = TRUE)] <- v; S + t(S) - diag(diag(S)) }
patterns <- function(X) {
  R <- is.na(X)
  key <- apply(R, 1, function(r) paste(as.integer(r), collapse = ""))
  lapply(unique(key), function(k) { rows <- which(key == k); o <- which(!R[rows[1], ]); list(o = o, Xo = X[rows, o, drop = FALSE]) })
}
# FIML log-likelihood, gradient and Hessian w.r.t. (mu, vech(Sigma)); per pattern (observed set o, n rows,
# K = Sigma_oo^-1, d = sum_i (x_i - mu_o), W = sum_i (x_i - mu_o)(x_i - mu_o)'):
#   l = -n p_o/2 log 2pi - n/2 log|Sigma_oo| - 1/2 tr(K W);  dl/dmu = K d;  d2l/dmu dmu' = -n K
#   d2l/dmu dSigma[E] = -K E K d;  dl/dSigma[E] = -n/2 tr(K E) + 1/2 tr(K E K W)
#   d2l/dSigma[E] dSigma[F] = n/2 tr(K E K F) - 1/2 tr(K E K F K W) - 1/2 tr(K F K E K W)
# E = e_a e_b' + e_b e_a' (a != b) or e_a e_a' is the direction of vech entry (a, b).
# A complete-data sample (mean m, ML covariance S, size N) is the single pattern d = N (m - mu),
# W = N (S + (m - mu)(m - mu)').
moment_derivs <- function(suff, mu, S) {
  p <- length(mu); vi_all <- which(lower.tri(diag(p), diag = TRUE), arr.ind = TRUE)
  q <- p + nrow(vi_all); g <- numeric(q); H <- matrix(0, q, q); ll <- 0
  for (pt in suff) {
    o <- pt$o; po <- length(o); n <- pt$n
    if (po == 0) next
    ch <- chol(S[o, o, drop = FALSE]); K <- chol2inv(ch)
    d <- pt$d_fun(mu[o]); W <- pt$W_fun(mu[o])
    KW <- K %*% W; Kd <- drop(K %*% d)
    ll <- ll - n * po / 2 * log(2 * pi) - n * sum(log(diag(ch))) - 0.5 * sum(diag(KW))
    g[o] <- g[o] + Kd
    H[o, o] <- H[o, o] - n * K
    vi <- which(vi_all[, 1] %in% o & vi_all[, 2] %in% o)
    KE <- lapply(vi, function(k) {
      a <- match(vi_all[k, 1], o); b <- match(vi_all[k, 2], o)
      E <- matrix(0, po, po); E[a, b] <- 1; E[b, a] <- 1; K %*% E
    })
    for (u in seq_along(vi)) {
      cu <- p + vi[u]
      g[cu] <- g[cu] - n / 2 * sum(diag(KE[[u]])) + 0.5 * sum(diag(KE[[u]] %*% KW))
      cross <- -drop(KE[[u]] %*% Kd)
      H[o, cu] <- H[o, cu] + cross; H[cu, o] <- H[cu, o] + cross
      for (w in seq_len(u)) {
        cw <- p + vi[w]; KEKF <- KE[[u]] %*% KE[[w]]
        h <- n / 2 * sum(diag(KEKF)) - 0.5 * sum(diag(KEKF %*% KW)) - 0.5 * sum(diag(KE[[w]] %*% KE[[u]] %*% KW))
        H[cu, cw] <- H[cu, cw] + h
        if (w != u) H[cw, cu] <- H[cw, cu] + h
      }
    }
  }
  list(ll = ll, grad = g, hess = H)
}
suff_fiml <- function(X) lapply(patterns(X), function(pt) list(
  o = pt$o, n = nrow(pt$Xo),
  d_fun = function(mu) colSums(sweep(pt$Xo, 2, mu)),
  W_fun = function(mu) crossprod(sweep(pt$Xo, 2, mu))))
suff_complete <- function(m, S, N) list(list(
  o = seq_along(m), n = N,
  d_fun = function(mu) N * (m - mu),
  W_fun = function(mu) N * (S + tcrossprod(m - mu))))
fiml_mle <- function(X, th0) {   # Newton-Raphson with analytic derivatives from a close start
  p <- ncol(X); sf <- suff_fiml(X); th <- th0
  D <- moment_derivs(sf, th[1:p], vech_to_S(th[-(1:p)], p))
  for (k in 1:50) {
    step <- -solve(D$hess, D$grad); th <- th + step
    D <- moment_derivs(sf, th[1:p], vech_to_S(th[-(1:p)], p))
    if (max(abs(step) / pmax(abs(th), 1)) < 1e-15) break
  }
  list(theta = th, ll = D$ll, grad = D$grad, hess = D$hess, iterations = k)
}
fiml_ll_dmvnorm <- function(X, mu, S) sum(sapply(seq_len(nrow(X)), function(i) {
  o <- !is.na(X[i, ]); if (!any(o)) return(0)
  mvtnorm::dmvnorm(X[i, o], mu[o], S[o, o, drop = FALSE], log = TRUE)
}))

# ---------------------------------------------------------------------------------------
# 1. air_fmi: lavaan's fraction of missing information
# ---------------------------------------------------------------------------------------
r <- run('lavaan::lavaan(model = m_sat4, data = air, missing = "ml", estimator = "ML", likelihood = "normal", information = "observed", meanstructure = TRUE)')
fit4 <- r$value
r_pe <- run("parameterEstimates(fit4, fmi = TRUE)")
pe4 <- r_pe$value
keys4 <- par_keys(avars)
est_l <- lav_layout(pe4, avars, "est"); se_l <- lav_layout(pe4, avars, "se"); fmi_l <- lav_layout(pe4, avars, "fmi")
h1 <- lavInspect(fit4, "sampstat.h1")
em_mean <- h1$mean[avars]; em_cov <- unclass(h1$cov)[avars, avars]
p4 <- length(avars)

# (a) lavaan's own path, by hand: complete-data observed information (minus the Hessian of the
#     complete-data log-likelihood with sample moments = EM h1 moments, N = 153) at lavaan's estimates
Hc_path <- moment_derivs(suff_complete(em_mean, em_cov, N), est_l[1:p4], vech_to_S(est_l[-(1:p4)], p4))$hess
Ho_path <- moment_derivs(suff_fiml(X), est_l[1:p4], vech_to_S(est_l[-(1:p4)], p4))$hess
se_c_path <- sqrt(diag(solve(-Hc_path))); se_o_path <- sqrt(diag(solve(-Ho_path)))
fmi_path <- 1 - se_c_path^2 / se_o_path^2
# (b) exact: at the exact FIML MLE (saturated model: EM h1 = MLE, so the complete-data observed
#     information equals the expected one and se_complete has the closed form below)
mle4 <- fiml_mle(X, est_l)
mu_x <- mle4$theta[1:p4]; S_x <- vech_to_S(mle4$theta[-(1:p4)], p4); dimnames(S_x) <- list(avars, avars)
vp <- vech_pairs(avars)
se_c_closed <- c(sqrt(diag(S_x) / N), apply(vp, 1, function(z) sqrt((S_x[z[1], z[1]] * S_x[z[2], z[2]] + S_x[z[1], z[2]]^2) / N)))
se_o_exact <- sqrt(diag(solve(-mle4$hess)))
fmi_exact <- 1 - se_c_closed^2 / se_o_exact^2
names(fmi_path) <- names(fmi_exact) <- names(se_c_closed) <- names(se_o_exact) <- keys4

out$air_fmi <- list(
  command = r$command, command_fmi = r_pe$command,
  nobs = lavInspect(fit4, "nobs"), logLik = as.numeric(fitMeasures(fit4, "logl")),
  formula = paste(
    "lavaan 0.6-14 parameterEstimates(fmi = TRUE): se_fiml = the ordinary SEs of the fit (here observed information = minus the Hessian of the FIML log-likelihood);",
    "then a second model is built with lavaan(model = parTable(fit) with ustart = est, sample.cov = EM h1 covariance, sample.mean = EM h1 mean, sample.nobs = N, the fit's options with optim.method = 'none', sample.cov.rescale = FALSE),",
    "i.e. the COMPLETE-DATA likelihood with the unrestricted (h1) EM moments as if they were complete-data sample moments, evaluated at the FIML estimates (no refit);",
    "se_complete = its SEs with the same information option (here observed = minus the complete-data Hessian); fmi = 1 - se_complete^2 / se_fiml^2 (se_complete == 0 gives NA).",
    "For this saturated model the EM h1 moments equal the FIML estimates, so the complete-data observed information equals the expected one at the MLE:",
    "I_c = blockdiag(N Sigma^-1, N/2 D'(Sigma^-1 %x% Sigma^-1) D), se_complete(mu_i) = sqrt(sigma_ii/N), se_complete(sigma_ij) = sqrt((sigma_ii sigma_jj + sigma_ij^2)/N);",
    "fmi_k = 1 - [I_c^-1]_kk / [I_obs^-1]_kk (ratio of diagonal elements of the inverses, not the eigenvalues of I_c^-1 I_obs)."),
  params = pe_rows(pe4, c("lhs", "op", "rhs", "est", "se", "fmi")),
  em_h1 = list(command = 'lavInspect(fit4, "sampstat.h1")', mean = nv(em_mean), cov = mat(em_cov)),
  hand = list(
    parameters = keys4,
    fmi_lavaan_path = nv(fmi_path),
    fmi_lavaan_path_note = "moment_derivs at lavaan's estimates: complete-data Hessian with the EM h1 moments, FIML Hessian analytic",
    exact_mle = list(est = nv(setNames(mle4$theta, keys4)), logLik = mle4$ll, newton_iterations = mle4$iterations,
                     max_abs_gradient = max(abs(mle4$grad))),
    se_fiml_exact = nv(se_o_exact), se_complete_closed_form = nv(se_c_closed), fmi_exact = nv(fmi_exact),
    note = "fmi of the Wind and Temp means and of Var(Wind), Var(Temp), Cov(Wind, Temp) is exactly 0 in theory: (Wind, Temp) are complete, the likelihood factors into the (Wind, Temp) marginal and the (Ozone, Solar.R | Wind, Temp) conditional with distinct parameters, so the MLE and its variance for the marginal moments are the complete-data ones; the stored values are 0 up to rounding/optimizer error"))
# (c) lavaan's internal complete-data model rebuilt exactly as in parameterEstimates(fmi = TRUE)
PTc <- parTable(fit4); PTc$ustart <- PTc$est; PTc$start <- PTc$est <- NULL
optc <- fit4@Options
optc$optim.method <- "none"; optc$sample.cov.rescale <- FALSE; optc$check.gradient <- FALSE
optc$baseline <- FALSE; optc$h1 <- FALSE; optc$test <- FALSE
fit_c <- lavaan::lavaan(model = PTc, sample.cov = h1$cov, sample.mean = h1$mean, sample.nobs = lavInspect(fit4, "nobs"), slotOptions = optc)
pe_c <- parameterEstimates(fit_c, ci = FALSE, zstat = FALSE, pvalue = FALSE, remove.system.eq = FALSE, remove.eq = FALSE,
                           remove.ineq = FALSE, remove.def = FALSE, remove.nonfree = FALSE)
se_c_lav <- lav_layout(pe_c, avars, "se")
out$air_fmi$complete_data_model <- list(
  command = "PTc <- parTable(fit4); PTc$ustart <- PTc$est; optc <- fit4@Options (optim.method = 'none', sample.cov.rescale = FALSE, h1/baseline/test off); lavaan::lavaan(model = PTc, sample.cov = h1$cov, sample.mean = h1$mean, sample.nobs = 153, slotOptions = optc)",
  note = "the model parameterEstimates(fmi = TRUE) builds internally; its SEs are se_complete",
  se_complete = nv(setNames(se_c_lav, keys4)), se_fiml = nv(setNames(se_l, keys4)))
add_check("air_fmi: rebuilt complete-data model (source of parameterEstimates): 1 - se_c^2/se^2 == lavaan fmi", 1 - se_c_lav^2 / se_l^2, fmi_l, 1e-14)
check_rel("air_fmi: analytic complete-data SEs (EM h1 moments at lavaan est) == rebuilt model's SEs (lavaan numerical Hessian)", se_c_path, se_c_lav, 1e-6)
add_check("air_fmi: fmi by hand along lavaan's path (analytic Hessians) == lavaan fmi (lavaan Hessians: finite differences, h = 1e-6)", fmi_path, fmi_l, 1e-6)
check_rel("air_fmi: hand FIML observed SEs (analytic Hessian) == lavaan SEs", se_o_path, se_l, 1e-6)
add_check("air_fmi: exact fmi (closed-form complete SEs at the exact MLE) == lavaan fmi", fmi_exact, fmi_l, 1e-6)
check_rel("air_fmi: exact MLE == lavaan est", mle4$theta, est_l, 1e-6)
check_rel("air_fmi: EM h1 moments == lavaan est (saturated model)", c(em_mean, em_cov[lower.tri(em_cov, diag = TRUE)]), est_l, 1e-6)
add_check("air_fmi: exact MLE logl == dmvnorm FIML logl at lavaan est", mle4$ll, fiml_ll_dmvnorm(X, est_l[1:p4], vech_to_S(est_l[-(1:p4)], p4)), 1e-8)
add_check("air_fmi: lavaan logl == exact MLE logl", out$air_fmi$logLik, mle4$ll, 1e-8)
add_check("air_fmi: analytic FIML Hessian == numDeriv::jacobian(analytic gradient) (scaled by max|H|)",
          mle4$hess / max(abs(mle4$hess)),
          numDeriv::jacobian(function(t) moment_derivs(suff_fiml(X), t[1:p4], vech_to_S(t[-(1:p4)], p4))$grad, mle4$theta) / max(abs(mle4$hess)), 1e-9)

# ---------------------------------------------------------------------------------------
# 2. air_auxiliary: Wind, Temp as saturated correlates (Graham 2003)
# ---------------------------------------------------------------------------------------
keys2 <- par_keys(c("Ozone", "Solar.R"))
r <- run('semTools::auxiliary(m_sat2, data = air, aux = c("Wind", "Temp"), fun = "lavaan", estimator = "ML", likelihood = "normal", information = "observed")')
fit_aux <- r$value
pe_aux <- parameterEstimates(fit_aux)
r2 <- run('lavaan::lavaan(model = m_sat2, data = air, missing = "ml", estimator = "ML", likelihood = "normal", information = "observed", meanstructure = TRUE)')
fit2 <- r2$value
pe2 <- parameterEstimates(fit2)
X2 <- X[, c("Ozone", "Solar.R")]
X2 <- X2[rowSums(!is.na(X2)) > 0, ]
mle2 <- fiml_mle(X2, lav_layout(pe2, c("Ozone", "Solar.R"), "est"))
ix2 <- match(keys2, keys4)   # the same parameters in the 4-variable layout
out$air_auxiliary <- list(
  command = r$command,
  model = m_sat2,
  note = paste("semTools 0.5-6 auxiliary() sets missing = 'fiml', fixed.x = FALSE, meanstructure = TRUE and adds Wind ~~ Wind, Temp ~~ Temp, Wind ~~ Temp, Wind ~ 1, Temp ~ 1,",
               "and aux ~~ each modelled variable (Ozone, Solar.R): the model becomes the saturated 4-variable model, so the 5 analysis parameters equal those of the",
               "4-variable saturated FIML fit (air_fmi) exactly (up to optimizer accuracy); fun = 'lavaan' with the full model written out"),
  options = list(missing = lavInspect(fit_aux, "options")$missing, information = lavInspect(fit_aux, "options")$information[1],
                 likelihood = lavInspect(fit_aux, "options")$likelihood),
  nobs = lavInspect(fit_aux, "nobs"), npar = as.numeric(fitMeasures(fit_aux, "npar")),
  logLik = as.numeric(fitMeasures(fit_aux, "logl")),
  parameters = keys2,
  est = nv(setNames(lav_layout(pe_aux, c("Ozone", "Solar.R"), "est"), keys2)),
  se = nv(setNames(lav_layout(pe_aux, c("Ozone", "Solar.R"), "se"), keys2)),
  all_params = pe_rows(pe_aux, c("lhs", "op", "rhs", "est", "se")),
  saturated_4var = list(source = "air_fmi (lavaan) and air_fmi$hand$exact_mle",
                        est = nv(setNames(est_l[ix2], keys2)), se = nv(setNames(se_l[ix2], keys2)),
                        est_exact = nv(setNames(mle4$theta[ix2], keys2)), se_exact = nv(setNames(se_o_exact[ix2], keys2))),
  without_auxiliary = list(
    command = r2$command,
    note = "FIML on (Ozone, Solar.R) only: rows 5 and 27 have both missing and are dropped by lavaan (nobs 151); estimates and SEs differ from the auxiliary model",
    nobs = lavInspect(fit2, "nobs"), logLik = as.numeric(fitMeasures(fit2, "logl")),
    est = nv(setNames(lav_layout(pe2, c("Ozone", "Solar.R"), "est"), keys2)),
    se = nv(setNames(lav_layout(pe2, c("Ozone", "Solar.R"), "se"), keys2)),
    est_exact = nv(setNames(mle2$theta, keys2)), se_exact = nv(setNames(sqrt(diag(solve(-mle2$hess))), keys2)),
    logLik_exact = mle2$ll))
check_rel("air_auxiliary: est == 4-variable saturated FIML est (lavaan)", out$air_auxiliary$est, est_l[ix2], 1e-5)
check_rel("air_auxiliary: se == 4-variable saturated FIML se (lavaan)", out$air_auxiliary$se, se_l[ix2], 1e-5)
check_rel("air_auxiliary: est == exact 4-variable FIML MLE", out$air_auxiliary$est, mle4$theta[ix2], 1e-6)
check_rel("air_auxiliary: se == SEs from the analytic 4-variable FIML Hessian", out$air_auxiliary$se, se_o_exact[ix2], 1e-5)
add_check("air_auxiliary: logl == 4-variable saturated FIML logl", out$air_auxiliary$logLik, mle4$ll, 1e-7)
fit_aux_sem <- semTools::auxiliary(m_sat2, data = air, aux = c("Wind", "Temp"), fun = "sem", estimator = "ML", likelihood = "normal", information = "observed")
pe_aux_sem <- parameterEstimates(fit_aux_sem)
out$air_auxiliary$fun_sem_check <- 'semTools::auxiliary(m_sat2, data = air, aux = c("Wind", "Temp"), fun = "sem", estimator = "ML", likelihood = "normal", information = "observed") gives the same est/se (checked)'
check_rel("air_auxiliary: fun = 'sem' est/se == fun = 'lavaan' est/se",
          c(lav_layout(pe_aux_sem, c("Ozone", "Solar.R"), "est"), lav_layout(pe_aux_sem, c("Ozone", "Solar.R"), "se")),
          c(unlist(out$air_auxiliary$est), unlist(out$air_auxiliary$se)), 1e-6)
add_check("air_auxiliary: npar == 14, nobs == 153", c(out$air_auxiliary$npar, out$air_auxiliary$nobs), c(14, 153), 0)
check_rel("without auxiliary: lavaan est == exact 2-variable FIML MLE", unlist(out$air_auxiliary$without_auxiliary$est), mle2$theta, 1e-6)
check_rel("without auxiliary: lavaan se == analytic-Hessian SEs", unlist(out$air_auxiliary$without_auxiliary$se), sqrt(diag(solve(-mle2$hess))), 1e-5)
add_check("without auxiliary: lavaan logl == exact logl (151 rows)", out$air_auxiliary$without_auxiliary$logLik, mle2$ll, 1e-8)
add_check("without auxiliary: nobs == 151", out$air_auxiliary$without_auxiliary$nobs, 151, 0)

# ---------------------------------------------------------------------------------------
# 3. multiple imputation with mice; the completed sets are exported and re-read
# ---------------------------------------------------------------------------------------
r_imp <- run('mice::mice(air[, c("Ozone", "Solar.R", "Wind", "Temp")], m = 5, method = "norm", seed = 20261203, printFlag = FALSE)')
imp <- r_imp$value
files <- sprintf("air_imp_%d.csv", 1:5)
completed <- lapply(1:5, function(i) mice::complete(imp, i))
for (i in 1:5) {
  d <- completed[[i]]
  d17 <- as.data.frame(lapply(d, function(v) sprintf("%.17g", v)), stringsAsFactors = FALSE)
  write.csv(d17, file.path(DATA_DIR, files[i]), row.names = FALSE, quote = FALSE)
}
sets <- lapply(files, function(f) read.csv(file.path(DATA_DIR, f)))
for (i in 1:5) {
  a <- as.matrix(sets[[i]]); b <- as.matrix(completed[[i]])
  add_check(sprintf("air_imp_%d.csv re-read == complete(imp, %d) (relative)", i, i), (a - b) / pmax(abs(b), 1e-300), 0 * b, 1e-15)
}
n_bit_identical <- sum(sapply(1:5, function(i) sum(as.matrix(sets[[i]]) == as.matrix(completed[[i]]))))
add_check("completed sets: observed cells unchanged (== airquality)",
          unlist(lapply(sets, function(d) as.matrix(d)[!is.na(X)])), rep(X[!is.na(X)], 5), 0)
out$imputed_data <- list(
  command = r_imp$command,
  files = paste0("tests/reference/data/", files),
  write_command = 'write.csv(as.data.frame(lapply(mice::complete(imp, i), function(v) sprintf("%.17g", v))), file, row.names = FALSE, quote = FALSE)',
  read_command = "sets <- lapply(files, read.csv)  # every computation below uses these re-read sets",
  columns = avars,
  imputation = list(method = as.list(imp$method), m = imp$m, maxit = imp$iteration, seed = imp$seed,
                    visitSequence = imp$visitSequence, n_imputed_cells = nv(sapply(imp$imp, nrow))),
  n_cells_bit_identical_after_reread = n_bit_identical, n_cells_total = 5 * length(X),
  note = "17 significant digits round-trip exactly with a correctly rounded reader (Python float); R's read.csv reproduced all cells as counted above. The imputations themselves depend on mice 3.15.0 and R's RNG (Mersenne-Twister / Inversion / Rejection); only the CSV files are the reference input.")

# 4. per-set lm fits
fits <- lapply(sets, function(d) lm(Ozone ~ Solar.R + Wind + Temp, d))
out$per_set_lm <- list(
  command = "fits <- lapply(sets, function(d) lm(Ozone ~ Solar.R + Wind + Temp, d))",
  coefficients = lapply(fits, function(f) nv(coef(f))),
  vcov = lapply(fits, function(f) mat(vcov(f))),
  df_residual = sapply(fits, df.residual),
  note = "vcov = sigma_hat^2 (X'X)^-1 with sigma_hat^2 = RSS / (n - 4), n = 153")
fits_direct <- lapply(completed, function(d) lm(Ozone ~ Solar.R + Wind + Temp, d))
check_rel("lm on re-read sets == lm on complete(imp, i)", unlist(lapply(fits, coef)), unlist(lapply(fits_direct, coef)), 1e-12)

# mice::pool
r_pool <- run("mice::pool(mice::as.mira(fits))")
pooled <- r_pool$value
pp <- pooled$pooled
r_sum <- run("summary(pooled, conf.int = TRUE)")
sm <- r_sum$value
terms <- as.character(pp$term)
cols_pool <- c("m", "estimate", "ubar", "b", "t", "dfcom", "df", "riv", "lambda", "fmi")
# by hand
m <- length(fits)
Q <- sapply(fits, coef); U <- sapply(fits, function(f) diag(vcov(f)))
qbar <- rowMeans(Q); ubar <- rowMeans(U); b <- apply(Q, 1, var); tt <- ubar + (1 + 1 / m) * b
dfcom <- fits[[1]]$df.residual
lambda <- (1 + 1 / m) * b / tt; riv <- (1 + 1 / m) * b / ubar
dfold <- (m - 1) / pmax(lambda, 1e-4)^2
dfobs <- (dfcom + 1) / (dfcom + 3) * dfcom * (1 - pmax(lambda, 1e-4))
df_br <- dfold * dfobs / (dfold + dfobs)
fmi_m <- (riv + 2 / (df_br + 3)) / (riv + 1)
se_p <- sqrt(tt); stat <- qbar / se_p
out$rubin_pool <- list(
  command = r_pool$command,
  formulas = list(
    qbar = "mean of the m estimates", ubar = "mean of the m squared standard errors (diag(vcov))",
    b = "var() of the m estimates (divisor m - 1)", t = "ubar + (1 + 1/m) b",
    dfcom = "df.residual of the first fit (n - 4 = 149), taken by mice from broom::glance",
    lambda = "(1 + 1/m) b / t",
    riv = "(1 + 1/m) b / ubar",
    df = "Barnard-Rubin (1999): lambda* = max(lambda, 1e-4); dfold = (m - 1)/lambda*^2; dfobs = (dfcom + 1)/(dfcom + 3) dfcom (1 - lambda*); df = dfold dfobs / (dfold + dfobs) (df = dfold if dfcom is infinite)",
    fmi = "(riv + 2/(df + 3)) / (riv + 1), with the Barnard-Rubin df",
    std.error = "sqrt(t)", statistic = "estimate / std.error",
    p.value = "2 pt(|statistic|, max(df, 0.001), lower.tail = FALSE)",
    conf.int = "estimate + qt(c(0.025, 0.975), df) std.error"),
  pooled = lapply(seq_len(nrow(pp)), function(i) c(list(term = terms[i]), lapply(pp[i, cols_pool], unname))),
  summary = list(
    command = r_sum$command,
    rows = lapply(seq_len(nrow(sm)), function(i) list(
      term = as.character(sm$term[i]), estimate = sm$estimate[i], std.error = sm$std.error[i],
      statistic = sm$statistic[i], df = sm$df[i], p.value = sm$p.value[i],
      `2.5 %` = sm$`2.5 %`[i], `97.5 %` = sm$`97.5 %`[i]))))
add_check("mice pool: estimate == hand qbar", pp$estimate, qbar, 1e-12)
check_rel("mice pool: ubar, b, t == hand", c(pp$ubar, pp$b, pp$t), c(ubar, b, tt), 1e-12)
add_check("mice pool: dfcom == 149", pp$dfcom, rep(149, length(qbar)), 0)
check_rel("mice pool: df == hand Barnard-Rubin", pp$df, df_br, 1e-12)
check_rel("mice pool: riv, lambda, fmi == hand", c(pp$riv, pp$lambda, pp$fmi), c(riv, lambda, fmi_m), 1e-12)
check_rel("mice summary: std.error, statistic == hand", c(sm$std.error, sm$statistic), c(se_p, stat), 1e-12)
check_rel("mice summary: p.value == 2 pt(-|stat|, df)", sm$p.value, 2 * pt(-abs(stat), df_br), 1e-10)
check_rel("mice summary: CI == qbar -/+ qt(0.975, df) se", c(sm$`2.5 %`, sm$`97.5 %`),
          c(qbar - qt(0.975, df_br) * se_p, qbar + qt(0.975, df_br) * se_p), 1e-12)
add_check("mice: lambda above the 1e-4 floor (floor inactive)", as.numeric(min(lambda) > 1e-4), 1, 0)

# mitools::MIcombine
r_mi <- run("mitools::MIcombine(lapply(fits, coef), lapply(fits, vcov))")
mi <- r_mi$value
r_mi149 <- run("mitools::MIcombine(lapply(fits, coef), lapply(fits, vcov), df.complete = 149)")
mi149 <- r_mi149$value
mi_out <- function(x, cmd) list(command = cmd, coefficients = nv(x$coefficients), variance = mat(x$variance),
                                se = nv(sqrt(diag(x$variance))), df = nv(x$df), missinfo = nv(x$missinfo), nimp = x$nimp)
r_mi_rel <- (1 + 1 / m) * b / ubar
dfobs_mi <- (149 + 1) / (149 + 3) * 149 * ubar / (ubar + b)
df_mi149 <- 1 / (1 / dfobs_mi + 1 / ((m - 1) * (1 + 1 / r_mi_rel)^2))
out$mitools_MIcombine <- list(
  default = mi_out(mi, r_mi$command),
  df_complete_149 = mi_out(mi149, r_mi149$command),
  formulas = list(
    coefficients = "mean of the m coefficient vectors (= mice estimate)",
    variance = "vbar + (1 + 1/m) B (full matrices; B = var() of the coefficient rows, divisor m - 1); diag = mice t",
    r = "(1 + 1/m) diag(B) / diag(vbar) (= mice riv)",
    df_default = "df.complete = Inf: Rubin (1987) df = (m - 1) (1 + 1/r)^2 = (m - 1) / lambda^2 (no 1e-4 floor on lambda)",
    df_finite = "df.complete = k: dfobs = (k + 1)/(k + 3) k vbar/(vbar + B) (diagonals; NOTE vbar/(vbar + B), not mice's 1 - lambda = vbar/(vbar + (1 + 1/m) B)); df = 1/(1/dfobs + 1/df_rubin)",
    missinfo = "(r + 2/(df + 3)) / (r + 1) with mitools' df"),
  note = "MIcombine's default df (Rubin 1987, complete-data df infinite) differs from mice's Barnard-Rubin df (dfcom = 149); even with df.complete = 149 mitools differs slightly from mice because its dfobs uses vbar/(vbar + B).")
check_rel("MIcombine coefficients == mice estimate", mi$coefficients, pp$estimate, 1e-12)
check_rel("MIcombine diag(variance) == mice t", diag(mi$variance), pp$t, 1e-12)
check_rel("MIcombine default df == (m-1)(1 + 1/r)^2", mi$df, (m - 1) * (1 + 1 / r_mi_rel)^2, 1e-12)
check_rel("MIcombine default df == mice df with dfcom = Inf (barnard.rubin called per term)", mi$df, sapply(seq_along(b), function(k) mice:::barnard.rubin(m, b[k], tt[k], Inf)), 1e-12)
check_rel("MIcombine default missinfo == (r + 2/(df+3))/(r+1)", mi$missinfo, (r_mi_rel + 2 / (mi$df + 3)) / (r_mi_rel + 1), 1e-12)
check_rel("MIcombine df.complete = 149: df == hand (vbar/(vbar + B) form)", mi149$df, df_mi149, 1e-12)
out$mitools_MIcombine$df_complete_149$max_rel_diff_df_vs_mice <- max(abs(mi149$df - pp$df) / pp$df)

# mice::pool.scalar: mean of Ozone
Qs <- sapply(sets, function(d) mean(d$Ozone))
Us <- sapply(sets, function(d) var(d$Ozone) / nrow(d))
r_ps <- run("mice::pool.scalar(Qs, Us, n = Inf)")
ps <- r_ps$value
lam_s <- (1 + 1 / m) * var(Qs) / (mean(Us) + (1 + 1 / m) * var(Qs))
r_s <- (1 + 1 / m) * var(Qs) / mean(Us)
df_s <- (m - 1) / max(lam_s, 1e-4)^2
out$pool_scalar <- list(
  command = r_ps$command,
  inputs = list(Q = "Qs <- sapply(sets, function(d) mean(d$Ozone))", U = "Us <- sapply(sets, function(d) var(d$Ozone) / nrow(d))  # var with divisor n - 1, n = 153"),
  Q = Qs, U = Us,
  m = ps$m, qbar = ps$qbar, ubar = ps$ubar, b = ps$b, t = ps$t, df = ps$df, r = ps$r, fmi = ps$fmi,
  formulas = "t = ubar + (1 + 1/m) b; r = (1 + 1/m) b / ubar; n = Inf gives dfcom = n - k = Inf, so df = (m - 1)/lambda^2 with lambda = max((1 + 1/m) b / t, 1e-4) (Rubin 1987 large-sample df); fmi = (r + 2/(df + 3)) / (r + 1)")
check_rel("pool.scalar qbar, ubar, b, t == hand", c(ps$qbar, ps$ubar, ps$b, ps$t), c(mean(Qs), mean(Us), var(Qs), mean(Us) + (1 + 1 / m) * var(Qs)), 1e-14)
check_rel("pool.scalar df == (m-1)/lambda^2", ps$df, df_s, 1e-12)
check_rel("pool.scalar r, fmi == hand", c(ps$r, ps$fmi), c(r_s, (r_s + 2 / (df_s + 3)) / (r_s + 1)), 1e-12)

out$checks <- checks
write_ref(out, "imputation.json")
message("failed checks: ", sum(!sapply(checks, `[[`, "ok")))
