# Multi-group ML / FIML with parameters shared across groups through equality labels:
# airquality (Ozone, Solar.R, Wind, Temp; NA = missing) by Month, and iris by Species.
# Writes tests/reference/groups.json (reads data/airquality.csv and data/iris.csv).
#
#   Rscript tests/reference/groups.R        (run from the repository root)
#
# Conventions (see README.md and groups_imputation.md): ML covariance divisor n; full MVN
# log-likelihoods including the -n p/2 log(2 pi) constant, summed over groups; SEs from the
# TOTAL information of all N observations (likelihood = "normal").

source(file.path("tests", "reference", "common.R"))
suppressPackageStartupMessages({
  library(lavaan); library(numDeriv); library(mvtnorm)
})

out <- list()
checks <- list()
add_check <- function(...) checks[[length(checks) + 1]] <<- check(...)
# relative check: max |a - b| / |b|
check_rel <- function(what, a, b, tol) {
  a <- as.numeric(a); b <- as.numeric(b)
  add_check(paste(what, "(relative)"), (a - b) / abs(b), 0 * b, tol)
}

out$meta <- list(
  script = "tests/reference/groups.R",
  regenerate = "Rscript tests/reference/groups.R",
  versions = versions(c("lavaan", "numDeriv", "mvtnorm", "jsonlite")),
  conventions = list(
    loglik = "full MVN log-likelihood summed over groups; FIML: sum over rows of log phi(x_i,obs; mu_g,obs, Sigma_g,obs), rows with all 4 variables missing would be dropped (none here)",
    se = "sqrt(diag(solve(I))) with I the total information of all N observations (likelihood = 'normal'); information = 'observed' means minus the Hessian of the FIML log-likelihood (observed.information = 'hessian')",
    equality = "parameters shared across groups through identical labels in the syntax (c(v1, v1, v1, v1, v1)*), not group.equal; lavaan 0.6-14 turns repeated labels into '==' rows, which parameterEstimates drops (remove.eq = TRUE), so every group still has its own row with the common value",
    npar = "fitMeasures(fit, 'npar') = number of free parameters minus number of equality constraints (the number of distinct parameters)",
    lr_test = "statistic = 2 (logl_free - logl_restricted), df = npar_free - npar_restricted, p = pchisq(statistic, df, lower.tail = FALSE)",
    optimizer = "lavaan's default-start nlminb fit stops short of the maximum for air_month_equal_mean (logl 0.028 too low, estimates up to 15% off: flat likelihood, only 9 observed Ozone values in June). Every air_month_* entry is therefore a lavaan refit started at the exact MLE (start = start_<key>), found by Newton-Raphson with the analytic FIML gradient and Hessian from lavaan's default-start estimates and confirmed from independent starts; the default-start fit is summarised under default_start_fit",
    json_precision = "jsonlite digits=NA: 15 significant digits"
  )
)

# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
air <- read.csv(file.path(DATA_DIR, "airquality.csv"))
stopifnot(identical(air, datasets::airquality))
iris_csv <- read.csv(file.path(DATA_DIR, "iris.csv"), stringsAsFactors = TRUE)
stopifnot(identical(iris_csv, datasets::iris))
na0 <- function(m) { m <- as.matrix(m); c(is.na(m), ifelse(is.na(m), 0, m)) }
add_check("data/airquality.csv == datasets::airquality (NA pattern and values)", na0(air), na0(datasets::airquality), 0)
add_check("data/iris.csv == datasets::iris (numeric columns; Species identical)", as.matrix(iris_csv[, 1:4]), as.matrix(datasets::iris[, 1:4]), 0)

avars <- c("Ozone", "Solar.R", "Wind", "Temp")
ivars <- c("Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width")
months <- sort(unique(air$Month))
G <- length(months)
out$data <- list(
  airquality = list(file = "tests/reference/data/airquality.csv", command = "air <- read.csv('tests/reference/data/airquality.csv')  # identical to datasets::airquality",
                    variables = avars, group = "Month", group_labels = as.character(months),
                    n_per_group = nv(table(air$Month)),
                    n_missing_cells = lapply(split(air[, avars], air$Month), function(d) as.list(colSums(is.na(d)))),
                    n_incomplete_rows = nv(tapply(!complete.cases(air[, avars]), air$Month, sum))),
  iris = list(file = "tests/reference/data/iris.csv", command = "iris <- read.csv('tests/reference/data/iris.csv', stringsAsFactors = TRUE)  # identical to datasets::iris",
              variables = ivars, group = "Species", n_per_group = nv(table(iris_csv$Species))))

# ---------------------------------------------------------------------------------------
# model syntax: saturated per group; labels m<i> (means), v<i> (variances), c<ij> (covariances)
# ---------------------------------------------------------------------------------------
sat_syntax <- function(vars, ngroups, equal_mean, equal_cov) {
  lab <- function(l) paste0("c(", paste(rep(l, ngroups), collapse = ", "), ")*")
  p <- length(vars)
  pr <- t(combn(p, 2))
  means <- paste0(vars, " ~ ", if (equal_mean) sapply(paste0("m", 1:p), lab) else "", "1")
  vv <- paste0(vars, " ~~ ", if (equal_cov) sapply(paste0("v", 1:p), lab) else "", vars)
  cc <- paste0(vars[pr[, 1]], " ~~ ", if (equal_cov) sapply(paste0("c", pr[, 1], pr[, 2]), lab) else "", vars[pr[, 2]])
  paste(c(means, vv, cc), collapse = "\n")
}
m_free  <- sat_syntax(avars, G, FALSE, FALSE)
m_ecov  <- sat_syntax(avars, G, FALSE, TRUE)
m_emean <- sat_syntax(avars, G, TRUE, FALSE)
m_eboth <- sat_syntax(avars, G, TRUE, TRUE)
m_sat1  <- sat_syntax(avars, 1, FALSE, FALSE)
mi_free <- sat_syntax(ivars, 3, FALSE, FALSE)
mi_ecov <- sat_syntax(ivars, 3, FALSE, TRUE)
out$lavaan_models <- list(air_free = m_free, air_equal_cov = m_ecov, air_equal_mean = m_emean,
                          air_equal_both = m_eboth, air_saturated_single_group = m_sat1,
                          iris_free = mi_free, iris_equal_cov = mi_ecov)

air_call <- function(model, extra = "") {
  sprintf('lavaan::lavaan(model = %s, data = air, group = "Month", missing = "ml", estimator = "ML", likelihood = "normal", information = "observed", meanstructure = TRUE%s)', model, extra)
}

# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
lav_out <- function(fit, cmd) {
  pe <- parameterEstimates(fit, ci = FALSE, zstat = FALSE, pvalue = FALSE)
  opt <- lavInspect(fit, "options")
  glab <- lavInspect(fit, "group.label")
  ng <- lavInspect(fit, "ngroups")
  if (is.null(pe$group)) pe$group <- 1L
  llg <- fit@loglik$loglik.group
  names(llg) <- if (ng > 1) glab else "1"
  list(command = cmd,
       options = list(estimator = opt$estimator, likelihood = opt$likelihood,
                      information = opt$information[1], observed.information = opt$observed.information[1],
                      h1.information = opt$h1.information[1], se = opt$se, missing = opt$missing,
                      meanstructure = opt$meanstructure),
       group_labels = if (ng > 1) glab else list(),
       nobs = if (ng > 1) nv(setNames(lavInspect(fit, "nobs"), glab)) else lavInspect(fit, "nobs"),
       ntotal = lavInspect(fit, "ntotal"),
       logLik = as.numeric(fitMeasures(fit, "logl")),
       logLik_group = nv(llg),
       npar = as.numeric(fitMeasures(fit, "npar")),
       converged = lavInspect(fit, "converged"),
       iterations = lavInspect(fit, "optim")$iterations,
       params = lapply(seq_len(nrow(pe)), function(i)
         list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], group = pe$group[i],
              group_label = if (ng > 1) glab[pe$group[i]] else "",
              label = if (is.null(pe$label)) "" else pe$label[i],
              est = pe$est[i], se = pe$se[i])))
}
lr_out <- function(restricted, free, name_r, name_f) {
  llr <- as.numeric(fitMeasures(restricted, "logl")); llf <- as.numeric(fitMeasures(free, "logl"))
  dfd <- as.numeric(fitMeasures(free, "npar") - fitMeasures(restricted, "npar"))
  st <- 2 * (llf - llr)
  a <- as.data.frame(lavTestLRT(restricted, free))
  list(formula = "statistic = 2 (logl_free - logl_restricted), df = npar_free - npar_restricted, p.value = pchisq(statistic, df, lower.tail = FALSE)",
       restricted = name_r, free = name_f,
       statistic = st, df = dfd, p.value = pchisq(st, dfd, lower.tail = FALSE),
       lavTestLRT = list(
         command = sprintf("lavTestLRT(%s, %s)", name_r, name_f),
         note = "rows ordered by Df (free model first; its Chisq_diff, Df_diff, p.value are NA in R and omitted here); Chisq = 2 (logl_h1 - logl) per model with the EM-estimated unrestricted h1; Chisq diff therefore equals the statistic above up to optimizer accuracy",
         rows = lapply(seq_len(nrow(a)), function(i) Filter(function(v) !is.na(v), list(   # NA fields (first row) omitted
           model = rownames(a)[i], Df = a$Df[i], AIC = a$AIC[i], BIC = a$BIC[i], Chisq = a$Chisq[i],
           Chisq_diff = a$`Chisq diff`[i], Df_diff = a$`Df diff`[i], p.value = a$`Pr(>Chisq)`[i])))))
}
# FIML observed-data log-likelihood of one group, vectorised over missing patterns
fiml_ll <- function(X, mu, S) {
  R <- is.na(X)
  key <- apply(R, 1, function(r) paste(as.integer(r), collapse = ""))
  tot <- 0
  for (k in unique(key)) {
    rows <- which(key == k); o <- !R[rows[1], ]
    if (!any(o)) next
    tot <- tot + sum(mvtnorm::dmvnorm(X[rows, o, drop = FALSE], mu[o], S[o, o, drop = FALSE], log = TRUE))
  }
  tot
}
Xg <- lapply(months, function(m) as.matrix(air[air$Month == m, avars]))
lav_est <- function(fit, g, lhs, op, rhs) {
  pe <- parameterEstimates(fit); if (is.null(pe$group)) pe$group <- 1L
  pe[pe$group == g & pe$lhs == lhs & pe$op == op & pe$rhs == rhs, c("est", "se")]
}
# vech order used by the hand parametrisations: (1,1),(2,1),(3,1),(4,1),(2,2),(3,2),(4,2),(3,3),(4,3),(4,4)
p <- length(avars)
vech_idx <- which(lower.tri(diag(p), diag = TRUE), arr.ind = TRUE)
vech_to_S <- function(v) { S <- matrix(0, p, p); S[lower.tri(S, diag = TRUE)] <- v; S + t(S) - diag(diag(S)) }
S_to_vech <- function(S) S[lower.tri(S, diag = TRUE)]
cov_names <- apply(vech_idx, 1, function(ij) c(avars[ij[2]], avars[ij[1]]))   # lhs (column var), rhs (row var)
# lavaan est/se for the 4 means and the 10 vech entries of group g (vech order above)
lav_vec <- function(fit, g, what = "est") {
  mu <- sapply(avars, function(v) lav_est(fit, g, v, "~1", "")[[what]])
  cv <- apply(cov_names, 2, function(z) {
    r <- lav_est(fit, g, z[1], "~~", z[2]); if (nrow(r) == 0) r <- lav_est(fit, g, z[2], "~~", z[1]); r[[what]]
  })
  list(mu = unname(mu), vech = unname(cv))
}

# ---------------------------------------------------------------------------------------
# hand FIML log-likelihood, Newton polish, and lavaan refits started at the polished MLE
# ---------------------------------------------------------------------------------------
# theta layout: means (4 if common, else 4 per group in group order), then vech(Sigma)
# (10 if common, else 10 per group), vech order (1,1),(2,1),(3,1),(4,1),(2,2),(3,2),(4,2),(3,3),(4,3),(4,4)
unpack <- function(th, em, ec) {
  nm <- if (em) 4 else 4 * G
  lapply(1:G, function(g) list(mu = if (em) th[1:4] else th[4 * (g - 1) + 1:4],
                               vech = if (ec) th[nm + 1:10] else th[nm + 10 * (g - 1) + 1:10]))
}
theta_names <- function(em, ec) {
  cn <- apply(cov_names, 2, paste, collapse = "~~")
  c(if (em) paste0(avars, "~1") else paste0(rep(avars, G), "~1@", rep(months, each = 4)),
    if (ec) cn else paste0(rep(cn, G), "@", rep(months, each = 10)))
}
pack_lav <- function(fit, em, ec, what = "est") {
  L <- lapply(1:G, function(g) lav_vec(fit, g, what))
  c(if (em) L[[1]]$mu else unlist(lapply(L, `[[`, "mu")), if (ec) L[[1]]$vech else unlist(lapply(L, `[[`, "vech")))
}
# missing-data patterns of each group, computed once
patterns <- function(X) {
  R <- is.na(X)
  key <- apply(R, 1, function(r) paste(as.integer(r), collapse = ""))
  lapply(unique(key), function(k) { rows <- which(key == k); o <- which(!R[rows[1], ]); list(o = o, Xo = X[rows, o, drop = FALSE]) })
}
Pg <- lapply(Xg, patterns)
# Analytic FIML log-likelihood, gradient and Hessian of one group w.r.t. (mu (4), vech(Sigma) (10)).
# Per pattern (observed set o, n rows, K = Sigma_oo^-1, d = sum_i (x_i - mu_o), W = sum_i (x_i - mu_o)(x_i - mu_o)'):
#   l = -n p_o/2 log 2pi - n/2 log|Sigma_oo| - 1/2 tr(K W)
#   dl/dmu = K d;  d2l/dmu dmu' = -n K;  d2l/dmu dSigma[E] = -K E K d
#   dl/dSigma[E] = -n/2 tr(K E) + 1/2 tr(K E K W)
#   d2l/dSigma[E] dSigma[F] = n/2 tr(K E K F) - 1/2 tr(K E K F K W) - 1/2 tr(K F K E K W)
# with E = e_a e_b' + e_b e_a' (a != b) or e_a e_a' the direction of vech entry (a, b).
fiml_derivs <- function(pats, mu, S) {
  g <- numeric(14); H <- matrix(0, 14, 14); ll <- 0
  for (pt in pats) {
    o <- pt$o; po <- length(o); n <- nrow(pt$Xo)
    if (po == 0) next
    So <- S[o, o, drop = FALSE]
    ch <- chol(So); K <- chol2inv(ch)
    Dm <- sweep(pt$Xo, 2, mu[o]); d <- colSums(Dm); W <- crossprod(Dm)
    KW <- K %*% W; Kd <- drop(K %*% d)
    ll <- ll - n * po / 2 * log(2 * pi) - n * sum(log(diag(ch))) - 0.5 * sum(diag(KW))
    g[o] <- g[o] + Kd
    H[o, o] <- H[o, o] - n * K
    vi <- which(vech_idx[, 1] %in% o & vech_idx[, 2] %in% o)
    KE <- lapply(vi, function(k) {
      a <- match(vech_idx[k, 1], o); b <- match(vech_idx[k, 2], o)
      E <- matrix(0, po, po); E[a, b] <- 1; E[b, a] <- 1; K %*% E
    })
    for (u in seq_along(vi)) {
      cu <- 4 + vi[u]
      g[cu] <- g[cu] - n / 2 * sum(diag(KE[[u]])) + 0.5 * sum(diag(KE[[u]] %*% KW))
      cross <- -drop(KE[[u]] %*% Kd)
      H[o, cu] <- H[o, cu] + cross; H[cu, o] <- H[cu, o] + cross
      for (w in seq_len(u)) {
        cw <- 4 + vi[w]
        KEKF <- KE[[u]] %*% KE[[w]]
        h <- n / 2 * sum(diag(KEKF)) - 0.5 * sum(diag(KEKF %*% KW)) - 0.5 * sum(diag(KE[[w]] %*% KE[[u]] %*% KW))
        H[cu, cw] <- H[cu, cw] + h
        if (w != u) H[cw, cu] <- H[cw, cu] + h
      }
    }
  }
  list(ll = ll, grad = g, hess = H)
}
# theta indices of group g's (mu, vech) in the layout above
theta_idx <- function(g, em, ec) {
  nm <- if (em) 4 else 4 * G
  c(if (em) 1:4 else 4 * (g - 1) + 1:4, if (ec) nm + 1:10 else nm + 10 * (g - 1) + 1:10)
}
n_theta <- function(em, ec) (if (em) 4 else 4 * G) + (if (ec) 10 else 10 * G)
model_derivs <- function(th, em, ec) {
  q <- n_theta(em, ec); g <- numeric(q); H <- matrix(0, q, q); ll <- 0
  for (gg in 1:G) {
    ix <- theta_idx(gg, em, ec)
    S <- vech_to_S(th[ix[5:14]])
    if (min(eigen(S, symmetric = TRUE, only.values = TRUE)$values) <= 0) return(list(ll = -Inf))
    dd <- fiml_derivs(Pg[[gg]], th[ix[1:4]], S)
    ll <- ll + dd$ll; g[ix] <- g[ix] + dd$grad; H[ix, ix] <- H[ix, ix] + dd$hess
  }
  list(ll = ll, grad = g, hess = H)
}
ll_hand <- function(th, em, ec) {   # independent route: dmvnorm over patterns
  pars <- unpack(th, em, ec)
  sum(sapply(1:G, function(g) {
    S <- vech_to_S(pars[[g]]$vech)
    if (min(eigen(S, symmetric = TRUE, only.values = TRUE)$values) <= 0) return(-Inf)
    fiml_ll(Xg[[g]], pars[[g]]$mu, S)
  }))
}
# Newton-Raphson with the analytic gradient and Hessian (step halving if the log-likelihood drops)
newton_polish <- function(th, em, ec, maxit = 100, tol = 1e-15) {
  D <- model_derivs(th, em, ec)
  for (k in 1:maxit) {
    step <- -solve(D$hess, D$grad); a <- 1
    repeat { Dn <- model_derivs(th + a * step, em, ec); if (Dn$ll >= D$ll - 1e-9 || a < 1e-8) break; a <- a / 2 }
    th <- th + a * step; D <- Dn
    prev <- if (k == 1) Inf else relstep
    relstep <- max(abs(a * step) / pmax(abs(th), 1))
    if (relstep < tol || (relstep < 1e-12 && relstep >= prev)) break
  }
  list(theta = th, loglik = D$ll, grad = D$grad, hessian = D$hess, iterations = k, last_rel_step = relstep,
       max_eigen_hessian = max(eigen(D$hess, symmetric = TRUE, only.values = TRUE)$values))
}
# parameter table with est set to the hand MLE (lavaan's start = argument reads the est column)
start_table <- function(fit, th, em, ec) {
  pt <- parTable(fit); pars <- unpack(th, em, ec)
  for (i in which(pt$free > 0)) {
    g <- pt$group[i]
    if (pt$op[i] == "~1") pt$est[i] <- pars[[g]]$mu[match(pt$lhs[i], avars)]
    if (pt$op[i] == "~~") pt$est[i] <- vech_to_S(pars[[g]]$vech)[match(pt$lhs[i], avars), match(pt$rhs[i], avars)]
  }
  pt
}

# one air model: default-start lavaan fit -> Newton polish of the hand FIML log-likelihood ->
# lavaan refit started at the polished MLE (the stored entry) + checks
air_model <- function(key, model_name, em, ec, timed = FALSE) {
  cmd_default <- air_call(model_name)
  tm <- system.time(fit_d <- eval(parse(text = cmd_default)))
  th_d <- pack_lav(fit_d, em, ec)
  pp <- newton_polish(th_d, em, ec)
  th <- pp$theta; H <- pp$hessian
  pol_info <- pp[c("iterations", "last_rel_step", "max_eigen_hessian")]
  ll_exact <- pp$loglik
  se_hand <- sqrt(diag(solve(-H)))
  grad_exact <- pp$grad
  assign(paste0("start_", key), start_table(fit_d, th, em, ec), envir = globalenv())
  r <- run(air_call(model_name, sprintf(", start = start_%s", key)))
  fit <- r$value
  o <- lav_out(fit, r$command)
  o$start_note <- sprintf("start_%s = parTable(<default-start fit>) with est replaced by the Newton-polished hand MLE (exact_mle below); lavaan's nlminb then stops after 1-3 iterations", key)
  o$default_start_fit <- list(
    command = cmd_default, logLik = as.numeric(fitMeasures(fit_d, "logl")), converged = lavInspect(fit_d, "converged"),
    iterations = lavInspect(fit_d, "optim")$iterations,
    logLik_minus_exact = as.numeric(fitMeasures(fit_d, "logl")) - ll_exact,
    max_rel_diff_est_vs_exact = max(abs(th_d - th) / abs(th)),
    elapsed_seconds = unname(tm["elapsed"]))
  nms <- theta_names(em, ec)
  o$exact_mle <- list(
    command = "newton_polish(<default-start lavaan est>, em, ec): Newton-Raphson with the analytic gradient and Hessian of the FIML log-likelihood (fiml_derivs), iterated until the relative step is < 1e-15 or stops shrinking; se = sqrt(diag(solve(-analytic Hessian)))",
    parameters = nms, est = nv(setNames(th, nms)), se_observed = nv(setNames(se_hand, nms)), logLik = ll_exact,
    newton_iterations = pol_info$iterations, last_rel_step = pol_info$last_rel_step,
    max_eigenvalue_hessian = pol_info$max_eigen_hessian, max_abs_gradient = max(abs(grad_exact)))
  th_l <- pack_lav(fit, em, ec); se_l <- pack_lav(fit, em, ec, "se")
  add_check(paste0(key, ": sum of per-group logl == total logl"), sum(unlist(o$logLik_group)), o$logLik, 1e-9)
  impl <- lavInspect(fit, "implied")
  add_check(paste0(key, ": per-group logl == sum of observed-part dmvnorm at lavaan implied moments"), unlist(o$logLik_group),
            sapply(1:G, function(g) fiml_ll(Xg[[g]], impl[[g]]$mean[avars], impl[[g]]$cov[avars, avars])), 1e-8)
  add_check(paste0(key, ": lavaan logl (started at polished MLE) == hand FIML logl at the polished MLE"), o$logLik, ll_exact, 1e-8)
  add_check(paste0(key, ": analytic logl == dmvnorm route (ll_hand) at the polished MLE"), ll_exact, ll_hand(th, em, ec), 1e-9)
  add_check(paste0(key, ": default-start lavaan logl <= polished logl"), max(0, o$default_start_fit$logLik_minus_exact), 0, 1e-9)
  check_rel(paste0(key, ": lavaan est (started at polished MLE) == polished MLE"), th_l, th, 1e-6)
  check_rel(paste0(key, ": lavaan observed SEs == sqrt(diag(solve(-analytic Hessian)))"), se_l, se_hand, 1e-5)
  add_check(paste0(key, ": Hessian of hand FIML at polished MLE negative definite (max eigenvalue < 0)"), max(0, pol_info$max_eigen_hessian), 0, 0)
  if (em) add_check(paste0(key, ": mean estimates equal in all groups (lavaan '==' constraints, relative)"),
                    unlist(lapply(2:G, function(g) (lav_vec(fit, g)$mu - lav_vec(fit, 1)$mu) / abs(lav_vec(fit, 1)$mu))), rep(0, 4 * (G - 1)), 1e-9)
  if (ec) add_check(paste0(key, ": covariance estimates equal in all groups (lavaan '==' constraints, relative)"),
                    unlist(lapply(2:G, function(g) (lav_vec(fit, g)$vech - lav_vec(fit, 1)$vech) / abs(lav_vec(fit, 1)$vech))), rep(0, 10 * (G - 1)), 1e-9)
  if (timed) out$timing_seconds <<- list(command = sprintf("system.time(%s)", cmd_default),
                                         note = "informational only: default-start fit of air_month_equal_cov; this machine, lavaan 0.6-14, R reference BLAS",
                                         user = unname(tm["user.self"]), system = unname(tm["sys.self"]), elapsed = unname(tm["elapsed"]))
  list(out = o, fit = fit, fit_default = fit_d, theta = th)
}

# ---------------------------------------------------------------------------------------
# 1.-4. airquality by Month
# ---------------------------------------------------------------------------------------
A_free  <- air_model("air_month_free", "m_free", FALSE, FALSE)
A_ecov  <- air_model("air_month_equal_cov", "m_ecov", FALSE, TRUE, timed = TRUE)
A_emean <- air_model("air_month_equal_mean", "m_emean", TRUE, FALSE)
A_eboth <- air_model("air_month_equal_both", "m_eboth", TRUE, TRUE)
fit_free <- A_free$fit; fit_equal_cov <- A_ecov$fit; fit_equal_mean <- A_emean$fit; fit_equal_both <- A_eboth$fit
out$air_month_free <- A_free$out
out$air_month_equal_cov <- A_ecov$out
out$air_month_equal_mean <- A_emean$out
out$air_month_equal_both <- A_eboth$out
out$air_month_equal_cov$lr_test_vs_free <- lr_out(fit_equal_cov, fit_free, "fit_equal_cov", "fit_free")
out$air_month_equal_mean$lr_test_vs_free <- lr_out(fit_equal_mean, fit_free, "fit_equal_mean", "fit_free")
out$air_month_equal_both$lr_test_vs_free <- lr_out(fit_equal_both, fit_free, "fit_equal_both", "fit_free")
for (nm in c("air_month_equal_cov", "air_month_equal_mean", "air_month_equal_both")) {
  lr <- out[[nm]]$lr_test_vs_free
  add_check(paste0(nm, ": 2(llfree - ll) == lavTestLRT Chisq diff"), lr$statistic, lr$lavTestLRT$rows[[2]]$Chisq_diff, 1e-6)
  add_check(paste0(nm, ": df == lavTestLRT Df diff"), lr$df, lr$lavTestLRT$rows[[2]]$Df_diff, 0)
  add_check(paste0(nm, ": LR statistic == 2 (exact llfree - exact ll)"), lr$statistic,
            2 * (out$air_month_free$exact_mle$logLik - out[[nm]]$exact_mle$logLik), 1e-7)
}
add_check("npar: free 70, equal_cov 30, equal_mean 54, equal_both 14",
          c(out$air_month_free$npar, out$air_month_equal_cov$npar, out$air_month_equal_mean$npar, out$air_month_equal_both$npar),
          c(70, 30, 54, 14), 0)

# independent starts: nlminb with the analytic gradient and Hessian, then Newton, started from the
# ungrouped saturated FIML estimates replicated over groups (and, for equal_mean, two more starts)
# reaches the same maximum as the polish of lavaan's default-start estimate.
robust_max <- function(th0, em, ec) {
  cache <- new.env()
  D <- function(t) { if (!identical(cache$t, t)) { cache$t <- t; cache$d <- model_derivs(t, em, ec) }; cache$d }
  o <- nlminb(th0, function(t) { d <- D(t); if (is.finite(d$ll)) -d$ll else Inf },
              function(t) -D(t)$grad, function(t) -D(t)$hess, control = list(iter.max = 1000, eval.max = 2000, rel.tol = 1e-14))
  newton_polish(o$par, em, ec)
}
fu <- lavaan::lavaan(model = m_sat1, data = air, missing = "ml", estimator = "ML", likelihood = "normal", information = "observed", meanstructure = TRUE)
u <- lav_vec(fu, 1)
start_sets <- list(
  list("air_month_free", A_free, FALSE, FALSE, "ungrouped", c(rep(u$mu, G), rep(u$vech, G))),
  list("air_month_equal_cov", A_ecov, FALSE, TRUE, "ungrouped", c(rep(u$mu, G), u$vech)),
  list("air_month_equal_mean", A_emean, TRUE, FALSE, "ungrouped", c(u$mu, rep(u$vech, G))),
  list("air_month_equal_mean", A_emean, TRUE, FALSE, "ungrouped means + free-model covariances", c(u$mu, pack_lav(fit_free, FALSE, FALSE)[4 * G + 1:(10 * G)])),
  list("air_month_equal_mean", A_emean, TRUE, FALSE, "ungrouped means + equal_cov covariance", c(u$mu, rep(A_ecov$theta[4 * G + 1:10], G))),
  list("air_month_equal_both", A_eboth, TRUE, TRUE, "rounded sample moments c(40, 180, 10, 78), diag(1000, 8000, 12, 90)", c(40, 180, 10, 78, S_to_vech(diag(c(1000, 8000, 12, 90))))))
for (ss in start_sets) {
  pp <- robust_max(ss[[6]], ss[[3]], ss[[4]])
  check_rel(sprintf("%s: MLE from start '%s' (nlminb + Newton, analytic derivatives) == polished MLE", ss[[1]], ss[[5]]), pp$theta, ss[[2]]$theta, 1e-12)
}

# the analytic derivatives against numDeriv, per month at the free MLE. Hessians are compared
# after scaling by D = diag(max(|theta|, 1)) (D H D / max|D H D|) because the parameters differ
# in scale by 10^4; the gradient is compared at theta * 1.02 (away from the optimum, where it is not ~0).
for (g in 1:G) {
  tg <- A_free$theta[theta_idx(g, FALSE, FALSE)]
  fd <- function(t) fiml_derivs(Pg[[g]], t[1:4], vech_to_S(t[5:14]))
  Dsc <- diag(pmax(abs(tg), 1)); sc <- function(H) Dsc %*% H %*% Dsc
  Ha <- fd(tg)$hess; m <- max(abs(sc(Ha)))
  Hj <- numDeriv::jacobian(function(t) fd(t)$grad, tg)
  Hn <- numDeriv::hessian(function(t) fiml_ll(Xg[[g]], t[1:4], vech_to_S(t[5:14])), tg)
  add_check(sprintf("analytic FIML Hessian == numDeriv::jacobian(analytic gradient), month %d (scaled)", months[g]), sc(Ha) / m, sc(Hj) / m, 1e-10)
  add_check(sprintf("analytic FIML Hessian == numDeriv::hessian(dmvnorm log-likelihood), month %d (scaled)", months[g]), sc(Ha) / m, sc(Hn) / m, 1e-6)
  tp <- tg * 1.02
  ga <- fd(tp)$grad
  gn <- numDeriv::grad(function(t) fiml_ll(Xg[[g]], t[1:4], vech_to_S(t[5:14])), tp)
  add_check(sprintf("analytic FIML gradient == numDeriv::grad(dmvnorm log-likelihood) at 1.02 theta, month %d (relative)", months[g]), (ga - gn) / abs(gn), 0 * gn, 1e-6)
}

# free model: each month fitted on its own (single-group saturated FIML, default start)
single <- lapply(months, function(m) lavaan::lavaan(model = m_sat1, data = air[air$Month == m, ], missing = "ml", estimator = "ML",
                                                    likelihood = "normal", information = "observed", meanstructure = TRUE))
out$air_month_free$single_group_fits <- list(
  command = 'lapply(months, function(m) lavaan::lavaan(model = m_sat1, data = air[air$Month == m, ], missing = "ml", estimator = "ML", likelihood = "normal", information = "observed", meanstructure = TRUE))',
  note = "default starts; informational (group 6 has only 9 observed Ozone values and a flat likelihood, so the default-start estimates are less accurate)",
  logLik = nv(setNames(sapply(single, function(f) as.numeric(fitMeasures(f, "logl"))), months)))
add_check("free: per-group logl == separate single-group saturated FIML fits (default start)", unlist(out$air_month_free$logLik_group),
          unlist(out$air_month_free$single_group_fits$logLik), 1e-6)

# equal_both == ungrouped saturated FIML on all 153 rows
r <- run('lavaan::lavaan(model = m_sat1, data = air, missing = "ml", estimator = "ML", likelihood = "normal", information = "observed", meanstructure = TRUE)')
fit_ung <- r$value
out$air_ungrouped_saturated <- lav_out(fit_ung, r$command)
add_check("equal_both: logl == ungrouped saturated FIML logl (153 rows)", out$air_month_equal_both$logLik, out$air_ungrouped_saturated$logLik, 1e-8)
check_rel("equal_both: est == ungrouped saturated FIML est", unlist(lav_vec(fit_equal_both, 1)), unlist(lav_vec(fit_ung, 1)), 1e-5)
check_rel("equal_both: se == ungrouped saturated FIML se", unlist(lav_vec(fit_equal_both, 1, "se")), unlist(lav_vec(fit_ung, 1, "se")), 1e-5)

# ---------------------------------------------------------------------------------------
# 5. iris by Species: common covariance, free means (complete data, expected information)
# ---------------------------------------------------------------------------------------
iris <- iris_csv
iris_call <- function(model) sprintf('lavaan::lavaan(model = %s, data = iris, group = "Species", estimator = "ML", likelihood = "normal", information = "expected", meanstructure = TRUE)', model)
r <- run(iris_call("mi_ecov")); fit_iec <- r$value
out$iris_species_equal_cov <- lav_out(fit_iec, r$command)
r <- run(iris_call("mi_free")); fit_ifree <- r$value
out$iris_species_free <- lav_out(fit_ifree, r$command)
out$iris_species_equal_cov$lr_test_vs_free <- lr_out(fit_iec, fit_ifree, "fit_iris_equal_cov", "fit_iris_free")

spl <- split(iris[, ivars], iris$Species)
ng <- sapply(spl, nrow); N <- sum(ng)
Sg <- lapply(spl, function(d) { X <- as.matrix(d); crossprod(sweep(X, 2, colMeans(X))) / nrow(X) })
S_pool <- Reduce(`+`, Map(`*`, Sg, ng)) / N
means_g <- t(sapply(spl, colMeans))
mvn_ll <- function(X, mu, Sigma) sum(mvtnorm::dmvnorm(X, mu, Sigma, log = TRUE))
ll_iec_closed <- sum(sapply(names(spl), function(s) mvn_ll(as.matrix(spl[[s]]), means_g[s, ], S_pool)))
ll_ifree_closed <- sum(sapply(names(spl), function(s) mvn_ll(as.matrix(spl[[s]]), means_g[s, ], Sg[[s]])))
lr_closed <- N * as.numeric(determinant(S_pool)$modulus) - sum(ng * sapply(Sg, function(S) as.numeric(determinant(S)$modulus)))
out$iris_species_equal_cov$closed_form <- list(
  formula = "S_pool = sum_g n_g S_g / N with S_g the ML (divisor n_g) covariance of group g; mu_g = group means; logl = sum_g sum_i log phi(x_i; xbar_g, S_pool); se(mu_g,i) = sqrt(S_pool[i,i]/n_g), se(sigma_ij) = sqrt((s_ii s_jj + s_ij^2)/N) (expected information); LR vs free = N log|S_pool| - sum_g n_g log|S_g|, df = (G-1) p (p+1)/2",
  pooled_cov_ml = mat(S_pool), group_means = mat(means_g), logLik = ll_iec_closed,
  logLik_free = ll_ifree_closed, lr_statistic = lr_closed, lr_df = (length(ng) - 1) * 4 * 5 / 2)

ilab <- lavInspect(fit_iec, "group.label")
pe_i <- parameterEstimates(fit_iec)
pick <- function(g, lhs, op, rhs) { i <- which(pe_i$group == g & pe_i$lhs == lhs & pe_i$op == op & pe_i$rhs == rhs); stopifnot(length(i) == 1); i }
iv_pairs <- which(lower.tri(diag(4), diag = TRUE), arr.ind = TRUE)
idx_cov <- unlist(lapply(1:3, function(g) apply(iv_pairs, 1, function(ij) pick(g, ivars[ij[2]], "~~", ivars[ij[1]]))))
cov_closed <- rep(apply(iv_pairs, 1, function(ij) S_pool[ij[1], ij[2]]), 3)
se_cov_closed <- rep(apply(iv_pairs, 1, function(ij) sqrt((S_pool[ij[1], ij[1]] * S_pool[ij[2], ij[2]] + S_pool[ij[1], ij[2]]^2) / N)), 3)
idx_mu <- unlist(lapply(1:3, function(g) sapply(ivars, function(v) pick(g, v, "~1", ""))))
mu_closed <- unlist(lapply(ilab, function(s) means_g[s, ivars]))
se_mu_closed <- unlist(lapply(ilab, function(s) sqrt(diag(S_pool) / ng[s])))
add_check("iris equal_cov: group labels in Species level order", match(ilab, levels(iris$Species)), 1:3, 0)
add_check("iris equal_cov: shared covariance == pooled ML within-group covariance sum n_g S_g / N", pe_i$est[idx_cov], cov_closed, 1e-6)
add_check("iris equal_cov: means == group means", pe_i$est[idx_mu], mu_closed, 5e-6)
add_check("iris equal_cov: logl == closed form", out$iris_species_equal_cov$logLik, ll_iec_closed, 1e-8)
check_rel("iris equal_cov: expected SEs of covariances == sqrt((s_ii s_jj + s_ij^2)/N)", pe_i$se[idx_cov], se_cov_closed, 1e-6)
check_rel("iris equal_cov: expected SEs of means == sqrt(s_ii/n_g)", pe_i$se[idx_mu], se_mu_closed, 1e-6)
add_check("iris free: logl == sum of per-species saturated closed forms", out$iris_species_free$logLik, ll_ifree_closed, 1e-8)
add_check("iris: LR statistic == N log|S_pool| - sum n_g log|S_g|", out$iris_species_equal_cov$lr_test_vs_free$statistic, lr_closed, 1e-7)
add_check("iris: LR df == (G-1) p(p+1)/2 = 20", out$iris_species_equal_cov$lr_test_vs_free$df, 20, 0)
add_check("iris: npar equal_cov == 22, free == 42", c(out$iris_species_equal_cov$npar, out$iris_species_free$npar), c(22, 42), 0)

# ---------------------------------------------------------------------------------------
# 6. airquality by Month with a compound-symmetry covariance (Sigma = (v - c) I + c 11'):
#    shared by the months (free means), one per month (free means), and one per month with
#    common means. Labels: v / cv shared, v<month> / cv<month> per month, m1..m4 common means.
# ---------------------------------------------------------------------------------------
cs_syntax <- function(shared_cov, shared_mean) {
  labs <- function(l) paste0("c(", paste(if (shared_cov) rep(l, G) else paste0(l, months), collapse = ", "), ")*")
  means <- paste0(avars, " ~ ", if (shared_mean) sapply(paste0("m", 1:p), function(l) paste0("c(", paste(rep(l, G), collapse = ", "), ")*")) else "", "1")
  vv <- paste0(avars, " ~~ ", labs("v"), avars)
  cc <- paste0(avars[pr_a[, 1]], " ~~ ", labs("cv"), avars[pr_a[, 2]])
  paste(c(means, vv, cc), collapse = "\n")
}
pr_a <- t(combn(p, 2))
m_cs_equal_cov <- cs_syntax(TRUE, FALSE)
m_cs_free <- cs_syntax(FALSE, FALSE)
m_cs_equal_mean <- cs_syntax(FALSE, TRUE)
out$lavaan_models$air_cs_equal_cov <- m_cs_equal_cov
out$lavaan_models$air_cs_free <- m_cs_free
out$lavaan_models$air_cs_equal_mean <- m_cs_equal_mean
# exact MLE of each compound-symmetry model, independently of lavaan: nlminb with numDeriv
# gradients on the hand FIML log-likelihood (dmvnorm over each month's missing-data patterns
# Pg), started at lavaan's estimates; se from numDeriv::hessian. theta: the means (4 if
# common, else 4 per month in month order), then (v, c) (once if shared, else per month).
cs_moments <- function(th, shared_cov, shared_mean) {
  nm <- if (shared_mean) p else p * G
  lapply(1:G, function(g) {
    vc <- if (shared_cov) th[nm + 1:2] else th[nm + 2 * (g - 1) + 1:2]
    list(mu = if (shared_mean) th[1:p] else th[p * (g - 1) + 1:p],
         S = (vc[1] - vc[2]) * diag(p) + vc[2] * matrix(1, p, p))
  })
}
cs_ll <- function(th, shared_cov, shared_mean) {
  L <- cs_moments(th, shared_cov, shared_mean)
  sum(sapply(1:G, function(g) sum(sapply(Pg[[g]], function(pt)
    sum(mvtnorm::dmvnorm(pt$Xo, L[[g]]$mu[pt$o], L[[g]]$S[pt$o, pt$o, drop = FALSE], log = TRUE))))))
}
cs_fit <- function(key, model, shared_cov, shared_mean) {
  cmd <- sprintf('lavaan::lavaan(model = %s, data = air, group = "Month", missing = "ml", estimator = "ML", likelihood = "normal", information = "observed", meanstructure = TRUE)', model)
  r <- run(cmd)
  fit <- r$value
  o <- lav_out(fit, r$command)
  impl <- lavInspect(fit, "implied")
  add_check(paste0(key, ": per-group logl == sum of observed-part dmvnorm at lavaan implied moments"), unlist(o$logLik_group),
            sapply(1:G, function(g) fiml_ll(Xg[[g]], impl[[g]]$mean[avars], impl[[g]]$cov[avars, avars])), 1e-8)
  start <- c(if (shared_mean) impl[[1]]$mean[avars] else unlist(lapply(impl, function(m) m$mean[avars])),
             if (shared_cov) c(impl[[1]]$cov[1, 1], impl[[1]]$cov[1, 2]) else unlist(lapply(impl, function(m) c(m$cov[1, 1], m$cov[1, 2]))))
  start <- unname(start)
  f <- function(t) -cs_ll(t, shared_cov, shared_mean)
  opt <- nlminb(start, f, function(t) numDeriv::grad(f, t), control = list(rel.tol = 1e-15, x.tol = 1e-15, iter.max = 500))
  ll <- function(t) cs_ll(t, shared_cov, shared_mean)
  for (it in 1:4) {   # Newton steps with numDeriv gradient and Hessian (nlminb stops early on this flat likelihood)
    H <- numDeriv::hessian(ll, opt$par)
    opt$par <- opt$par - solve(H, numDeriv::grad(ll, opt$par))
  }
  opt$objective <- f(opt$par)
  H <- numDeriv::hessian(ll, opt$par)
  o$exact_mle <- list(
    command = "nlminb(<lavaan estimates>, -cs_ll, numDeriv::grad, rel.tol = 1e-15), then 4 Newton steps with numDeriv::grad and numDeriv::hessian: hand FIML log-likelihood (dmvnorm over each month's patterns); se = sqrt(diag(solve(-numDeriv::hessian)))",
    layout = "means (4 per month in month order, or 4 if common), then (variance, covariance) per month or once if shared",
    est = opt$par, se_observed = sqrt(diag(solve(-H))), logLik = -opt$objective,
    max_abs_gradient = max(abs(numDeriv::grad(f, opt$par))))
  add_check(paste0(key, ": lavaan logl <= exact logl (+1e-9)"), max(0, o$logLik - o$exact_mle$logLik - 1e-9), 0, 0)
  add_check(paste0(key, ": lavaan logl == exact logl"), o$logLik, o$exact_mle$logLik, 1e-5)
  check_rel(paste0(key, ": lavaan est == exact MLE"), start, opt$par, 1e-4)
  list(out = o, fit = fit)
}
CS_ecov <- cs_fit("air_month_equal_cov_cs", "m_cs_equal_cov", TRUE, FALSE)
CS_free <- cs_fit("air_month_free_cs", "m_cs_free", FALSE, FALSE)
CS_emean <- cs_fit("air_month_equal_mean_cs", "m_cs_equal_mean", FALSE, TRUE)
out$air_month_equal_cov_cs <- CS_ecov$out
out$air_month_free_cs <- CS_free$out
out$air_month_equal_mean_cs <- CS_emean$out
out$air_month_equal_cov_cs$lr_test_vs_free <- lr_out(CS_ecov$fit, CS_free$fit, "fit_cs_equal_cov", "fit_cs_free")
add_check("npar: cs equal_cov 22, cs free 30, cs equal_mean 14",
          c(out$air_month_equal_cov_cs$npar, out$air_month_free_cs$npar, out$air_month_equal_mean_cs$npar), c(22, 30, 14), 0)

out$checks <- checks
write_ref(out, "groups.json")
message("failed checks: ", sum(!sapply(checks, `[[`, "ok")))
