# Scaled likelihood-ratio tests between multi-group models (lavaan MLM / MLR with group= and
# group.equal=, or equality labels for the compound-symmetry models), and the same scaling
# factors recomputed by hand from the per-group pieces at the exact MLE:
#   (1) iris by Species (complete data): free, equal covariances, equal means, both; MLM and MLR;
#   (2) airquality complete rows (Ozone, Solar.R, Wind, Temp; 111 rows) by Month: free, equal
#       covariances, a shared compound-symmetry covariance, one compound symmetry per month;
#       MLM and MLR;
#   (3) airquality with its missing values by Month, MLR with missing = "ml": free, equal
#       covariances, equal means and covariances, a shared compound-symmetry covariance.
# Writes tests/reference/groups_scaled.json (reads data/iris.csv, data/airquality.csv and the
# exact FIML estimates of groups.json).
#
#   Rscript tests/reference/groups_scaled.R        (run from the repository root)

source(file.path("tests", "reference", "common.R"))
suppressPackageStartupMessages({
  library(lavaan); library(numDeriv)
})

out <- list()
checks <- list()
add_check <- function(...) checks[[length(checks) + 1]] <<- check(...)
check_rel <- function(what, a, b, tol) {
  a <- as.numeric(a); b <- as.numeric(b)
  add_check(paste(what, "(relative)"), (a - b) / abs(b), 0 * b, tol)
}

out$meta <- list(
  script = "tests/reference/groups_scaled.R",
  regenerate = "Rscript tests/reference/groups_scaled.R",
  versions = versions(c("lavaan", "numDeriv", "jsonlite")),
  conventions = list(
    lavaan_fits = "every lavaan fit is started at the exact MLE (start = parTable with est replaced by the exact estimates: closed forms for complete data, an ECM iteration for common means, groups.json exact_mle for FIML), so lavaan's scaling factors are evaluated at (nearly) the exact MLE",
    scaled_difference = "lavTestLRT(restricted, full) default for MLM / MLR fits: Satorra-Bentler (2001), c_d = (r0 c0 - r1 c1)/(r0 - r1) with each model's chisq.scaling.factor c and df r (r1 c1 := 0 when r1 = 0); T = 2 (logl_full - logl_restricted) / c_d on r0 - r1 df",
    satorra_bentler_multigroup = "r c = tr(U Gamma) = sum_g tr(A(Sigma_g) Gamma_g) - tr(E^-1 sum_g f_g Delta_g' A(Sigma_g) Gamma_g A(Sigma_g) Delta_g), f_g = n_g/N, E = sum_g f_g Delta_g' A(Sigma_g) Delta_g (expected information per observation of the joint parameters, at the model), Gamma_g = ADF covariance of (x, vech((x - xbar_g)(x - xbar_g)')) within group g (divisor n_g, about the GROUP's sample mean), A(Sigma) = blockdiag(Sigma^-1, 1/2 D'(Sigma^-1 x Sigma^-1) D) (lavaan: lav_test_satorra_bentler_trace_original with WLS.V_g f_g and Gamma_g / f_g)",
    yuan_bentler_mplus_multigroup = "r c = sum_g tr(B1_g A1_g^-1) - tr(E^-1 sum_g f_g B0_g); h1 term per group at the group's saturated MLE (complete data: tr(A(S_g) Gamma_g)), B0_g = Delta_g' B1s_g Delta_g with B1s_g = (1/n_g) sum_i s_i s_i' the casewise scores in (mu, vech Sigma) at the MODEL moments (not centred), E = sum_g f_g Delta_g' A1obs_g Delta_g the observed (Hessian) information per observation (lavaan: lav_test_yuan_bentler_mplus_trace)",
    delta = "Delta_g = d(mu_g, vech Sigma_g)/d(distinct parameters): lavInspect(fit, 'delta')[[g]] %*% K, K summing the columns that share a label (group.equal labels .pN., or the syntax labels)",
    json_precision = "jsonlite digits=NA: 15 significant digits"
  )
)

# ---------------------------------------------------------------------------------------
# data and helpers
# ---------------------------------------------------------------------------------------
iris <- read.csv(file.path(DATA_DIR, "iris.csv"), stringsAsFactors = TRUE)
air_all <- read.csv(file.path(DATA_DIR, "airquality.csv"))
ivars <- c("Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width")
avars <- c("Ozone", "Solar.R", "Wind", "Temp")
air_cc <- air_all[complete.cases(air_all[, avars]), ]
months <- sort(unique(air_all$Month))
groups_json <- jsonlite::fromJSON(file.path(REF_DIR, "groups.json"), simplifyVector = FALSE)

vech <- function(A) A[lower.tri(A, diag = TRUE)]
dup <- function(p) {
  D <- matrix(0, p * p, p * (p + 1) / 2); k <- 0
  for (j in 1:p) for (i in j:p) { k <- k + 1; D[(j - 1) * p + i, k] <- 1; D[(i - 1) * p + j, k] <- 1 }
  D
}
info_exp <- function(Sigma) {             # A(Sigma) per observation
  p <- ncol(Sigma); Si <- solve(Sigma); Dp <- dup(p); q <- p * (p + 1) / 2
  rbind(cbind(Si, matrix(0, p, q)), cbind(matrix(0, q, p), 0.5 * t(Dp) %*% (Si %x% Si) %*% Dp))
}
adf_gamma <- function(X) {               # Gamma (divisor n) about the sample mean
  p <- ncol(X); idx <- which(lower.tri(diag(p), diag = TRUE), arr.ind = TRUE)
  Xc <- sweep(X, 2, colMeans(X)); Z <- cbind(X, Xc[, idx[, 1]] * Xc[, idx[, 2]])
  crossprod(sweep(Z, 2, colMeans(Z))) / nrow(X)
}
norm_scores <- function(X, mu, Sigma) {  # casewise (observed-data) scores in (mu, vech Sigma)
  p <- ncol(X); Dp <- dup(p)
  t(sapply(seq_len(nrow(X)), function(i) {
    o <- !is.na(X[i, ]); Si <- solve(Sigma[o, o, drop = FALSE]); a <- Si %*% (X[i, o] - mu[o])
    gm <- numeric(p); gm[o] <- a; G <- matrix(0, p, p); G[o, o] <- 0.5 * (tcrossprod(a) - Si)
    c(gm, as.vector(t(Dp) %*% as.vector(G)))
  }))
}
unvech <- function(v, p) { S <- matrix(0, p, p); S[lower.tri(S, diag = TRUE)] <- v; S + t(S) - diag(diag(S), p) }
# observed information per observation in (mu, vech Sigma): minus the Jacobian of the mean score
info_obs <- function(X, mu, Sigma) {
  p <- ncol(X)
  -numDeriv::jacobian(function(th) colMeans(norm_scores(X, th[1:p], unvech(th[-(1:p)], p))), c(mu, vech(Sigma)))
}

sat_syntax <- function(vars) {
  p <- length(vars); pr <- t(combn(p, 2))
  paste(c(paste0(vars, " ~ 1"), paste0(vars, " ~~ ", vars), paste0(vars[pr[, 1]], " ~~ ", vars[pr[, 2]])), collapse = "\n")
}
cs_syntax <- function(vars, shared, G) {   # compound symmetry: variances v, covariances cv
  p <- length(vars); pr <- t(combn(p, 2))
  labs <- function(l) paste0("c(", paste(if (shared) rep(l, G) else paste0(l, 1:G), collapse = ", "), ")*")
  paste(c(paste0(vars, " ~ 1"), paste0(vars, " ~~ ", labs("v"), vars),
          paste0(vars[pr[, 1]], " ~~ ", labs("cv"), vars[pr[, 2]])), collapse = "\n")
}
m_iris <- sat_syntax(ivars)
m_air <- sat_syntax(avars)
m_air_cs_shared <- cs_syntax(avars, TRUE, length(months))
m_air_cs_free <- cs_syntax(avars, FALSE, length(months))
out$lavaan_models <- list(iris_saturated = m_iris, air_saturated = m_air, air_cs_shared = m_air_cs_shared,
                          air_cs_per_month = m_air_cs_free)
EQUAL <- list(free = "", equal_cov = 'c("residuals", "residual.covariances")', equal_mean = '"intercepts"',
              equal_both = 'c("intercepts", "residuals", "residual.covariances")')

# the exact MLE of each group's (mu, Sigma) for complete data --------------------------------
group_mats <- function(data, vars, by) lapply(split(data[, vars], data[[by]]), as.matrix)
ml_moments <- function(X) list(mu = colMeans(X), S = crossprod(sweep(X, 2, colMeans(X))) / nrow(X))
cs_fit_S <- function(S) {               # ML compound symmetry fitted to S: v = tr S / p, c = mean off-diagonal
  p <- ncol(S); v <- mean(diag(S)); cv <- (sum(S) - sum(diag(S))) / (p * (p - 1))
  (v - cv) * diag(p) + cv * matrix(1, p, p)
}
exact_complete <- function(Xg, kind) {
  mom <- lapply(Xg, ml_moments); n <- sapply(Xg, nrow); N <- sum(n)
  pooled <- Reduce(`+`, Map(function(m, k) m$S * k, mom, n)) / N
  if (kind == "free") return(lapply(mom, function(m) list(mu = m$mu, S = m$S)))
  if (kind == "equal_cov") return(lapply(mom, function(m) list(mu = m$mu, S = pooled)))
  if (kind == "cs_shared") return(lapply(mom, function(m) list(mu = m$mu, S = cs_fit_S(pooled))))
  if (kind == "cs_free") return(lapply(mom, function(m) list(mu = m$mu, S = cs_fit_S(m$S))))
  if (kind == "equal_both") {
    all <- ml_moments(do.call(rbind, Xg)); return(lapply(mom, function(m) list(mu = all$mu, S = all$S)))
  }
  # equal_mean: ECM, mu = (sum n_g Sigma_g^-1)^-1 sum n_g Sigma_g^-1 xbar_g, Sigma_g = S_g + d d'
  S <- lapply(mom, `[[`, "S"); mu <- colMeans(do.call(rbind, Xg))
  for (it in 1:100000) {
    Sg <- Map(function(m, s) s + tcrossprod(m$mu - mu), mom, S)
    P <- Map(function(s, k) k * solve(s), Sg, n)
    new <- as.vector(solve(Reduce(`+`, P), Reduce(`+`, Map(function(pp, m) pp %*% m$mu, P, mom))))
    if (max(abs(new - mu) / abs(mu)) < 1e-16) { mu <- new; break }
    mu <- new
  }
  lapply(mom, function(m) list(mu = mu, S = m$S + tcrossprod(m$mu - mu)))
}
# exact FIML estimates from groups.json (Newton-polished there)
exact_fiml <- function(key, vars) {
  e <- groups_json[[key]]$exact_mle
  p <- length(vars); G <- length(months)
  if (is.null(e$parameters)) {          # compound symmetry: means per month, then (v, c) once
    th <- unlist(e$est); mus <- split(th[1:(p * G)], rep(1:G, each = p)); vc <- th[p * G + 1:2]
    return(lapply(1:G, function(g) list(mu = mus[[g]], S = (vc[1] - vc[2]) * diag(p) + vc[2] * matrix(1, p, p))))
  }
  est <- unlist(e$est); nm <- names(est)
  lapply(seq_along(months), function(g) {
    val <- function(name) { k <- match(paste0(name, "@", months[g]), nm); if (is.na(k)) est[[name]] else est[[k]] }
    mu <- sapply(vars, function(v) val(paste0(v, "~1")))
    S <- matrix(0, p, p)
    for (i in 1:p) for (j in 1:i) {
      nmij <- paste0(vars[j], "~~", vars[i]); if (!any(grepl(paste0("^", nmij), nm), na.rm = TRUE)) nmij <- paste0(vars[i], "~~", vars[j])
      S[i, j] <- S[j, i] <- val(nmij)
    }
    list(mu = unname(mu), S = S)
  })
}
# a lavaan start table holding the exact estimates
start_at <- function(fit, moments, vars) {
  pt <- parTable(fit)
  for (i in which(pt$free > 0)) {
    g <- pt$group[i]
    if (pt$op[i] == "~1") pt$est[i] <- moments[[g]]$mu[match(pt$lhs[i], vars)]
    if (pt$op[i] == "~~") pt$est[i] <- moments[[g]]$S[match(pt$lhs[i], vars), match(pt$rhs[i], vars)]
  }
  pt
}

fm_names <- c("npar", "logl", "chisq", "df", "chisq.scaled", "chisq.scaling.factor", "unrestricted.logl")
lav_fit_out <- function(fit, cmd) {
  tst <- fit@test[[2]]
  o <- list(command = cmd, converged = lavInspect(fit, "converged"), iterations = lavInspect(fit, "optim")$iterations,
            fit_measures = as.list(unclass(fitMeasures(fit, fm_names))), robust_test = tst$test,
            trace_UGamma = if (is.null(tst$trace.UGamma)) NULL else as.numeric(tst$trace.UGamma))
  if (!is.null(tst$scaling.factor.h1)) { o$scaling_factor_h1 <- tst$scaling.factor.h1; o$scaling_factor_h0 <- tst$scaling.factor.h0 }
  o
}

# one data set and estimator: every model, started at its exact MLE --------------------------
fit_all <- function(data_name, data, vars, by, models, est, exact, extra = "") {
  fits <- list(); res <- list()
  for (key in names(models)) {
    mdl <- models[[key]]
    base <- sprintf('lavaan::lavaan(model = %s, data = %s, group = "%s", estimator = "%s", likelihood = "normal", meanstructure = TRUE%s%s',
                    mdl$syntax, data_name, by, est, if (nzchar(mdl$equal)) paste0(", group.equal = ", mdl$equal) else "", extra)
    f0 <- eval(parse(text = paste0(base, ")")))
    st <- start_at(f0, exact[[key]], vars)
    sname <- paste0("start_", data_name, "_", est, "_", key)
    assign(sname, st, envir = globalenv())
    cmd <- paste0(base, ", start = ", sname, ")")
    r <- run(cmd); fits[[key]] <- r$value
    res[[key]] <- lav_fit_out(r$value, cmd)
    res[[key]]$start_note <- paste0(sname, " = parTable(<default-start fit>) with est replaced by the exact MLE")
  }
  list(fits = fits, res = res)
}

lrt_out <- function(f0, f1, n0, n1) {
  r <- run(sprintf("lavaan::lavTestLRT(%s, %s)", n0, n1))
  sb <- lavaan:::lav_test_diff_SatorraBentler2001(f1, f0)
  tab <- as.data.frame(r$value)
  list(command = r$command, method = attr(r$value, "heading"),
       statistic_unscaled = 2 * (as.numeric(fitMeasures(f1, "logl")) - as.numeric(fitMeasures(f0, "logl"))),
       df = tab[2, "Df diff"], chisq_diff_scaled = tab[2, "Chisq diff"], pvalue = tab[2, "Pr(>Chisq)"],
       scaling_factor = sb$scaling.factor, scaling_factor_command = sprintf("lavaan:::lav_test_diff_SatorraBentler2001(%s, %s)$scaling.factor", n1, n0))
}

# hand traces at the exact MLE ---------------------------------------------------------------
reduced_delta <- function(fit) {
  D <- lavInspect(fit, "delta"); lab <- colnames(D[[1]]); u <- unique(lab)
  K <- sapply(u, function(l) as.numeric(lab == l))
  lapply(D, function(d) d %*% K)
}
hand_traces <- function(fit, Xg, moments, sat_moments, missing) {
  n <- sapply(Xg, nrow); N <- sum(n); f <- n / N; Dl <- reduced_delta(fit); k <- ncol(Dl[[1]])
  Eexp <- Eobs <- Bg <- Bs <- matrix(0, k, k); h <- h1 <- 0
  for (g in seq_along(Xg)) {
    X <- Xg[[g]]; m <- moments[[g]]; D <- Dl[[g]]; A <- info_exp(m$S)
    sc <- norm_scores(X, m$mu, m$S)
    Eobs <- Eobs + f[g] * t(D) %*% info_obs(X, m$mu, m$S) %*% D
    Bs <- Bs + f[g] * t(D) %*% (crossprod(sc) / n[g]) %*% D
    s1 <- sat_moments[[g]]
    A1 <- info_obs(X, s1$mu, s1$S); B1 <- crossprod(norm_scores(X, s1$mu, s1$S)) / n[g]
    h1 <- h1 + sum(diag(solve(A1, B1)))
    if (!missing) {
      Gm <- adf_gamma(X)
      Eexp <- Eexp + f[g] * t(D) %*% A %*% D
      Bg <- Bg + f[g] * t(D) %*% A %*% Gm %*% A %*% D
      h <- h + sum(A * Gm)
    }
  }
  o <- list(trace_h1_yb = h1, trace_h0_yb = sum(diag(solve(Eobs, Bs))))
  o$rc_yuan_bentler_mplus <- o$trace_h1_yb - o$trace_h0_yb
  if (!missing) {
    o$trace_A_Gamma <- h
    o$trace_Einv_B_gamma <- sum(diag(solve(Eexp, Bg)))
    o$rc_satorra_bentler <- h - o$trace_Einv_B_gamma
    o$rc_satorra_bentler_uncentred_scores <- h - sum(diag(solve(Eexp, Bs)))
    o$rc_satorra_bentler_uncentred_scores_note <- "NOT lavaan: the same with the uncentred casewise score outer products at the model (B1s) in place of A Gamma A; differs from lavaan when the groups share parameters"
  }
  o
}

run_case <- function(case, data_name, data, vars, by, models, ests, pairs, missing = FALSE, extra = "", exact) {
  Xg <- group_mats(data, vars, by)
  res <- list(data = data_name, variables = vars, group = by, n_per_group = nv(sapply(Xg, nrow)), models = list())
  for (est in ests) {
    F <- fit_all(data_name, data, vars, by, models, est, exact, extra)
    for (key in names(models)) {
      o <- F$res[[key]]
      fit <- F$fits[[key]]
      if (est == ests[1]) res$models[[key]] <- list(equal = models[[key]]$equal_py, structure = models[[key]]$structure_py,
                                                   syntax = models[[key]]$syntax)
      hand <- hand_traces(fit, Xg, exact[[key]], exact$free, missing)
      o$hand_at_exact_mle <- hand
      df <- o$fit_measures$df
      if (df > 0) {
        rc <- if (est == "MLM") hand$rc_satorra_bentler else hand$rc_yuan_bentler_mplus
        add_check(sprintf("%s %s %s: hand r c / df == lavaan chisq.scaling.factor", case, est, key), rc / df, o$fit_measures$chisq.scaling.factor, 1e-6)
      }
      impl <- lavInspect(fit, "implied")
      check_rel(sprintf("%s %s %s: lavaan implied moments (started at the exact MLE) == exact MLE", case, est, key),
                unlist(lapply(impl, function(m) c(m$mean[vars], vech(m$cov[vars, vars])))),
                unlist(lapply(exact[[key]], function(m) c(m$mu, vech(m$S)))), 1e-6)
      res$models[[key]][[est]] <- o
      assign(paste0("fit_", est, "_", key), fit, envir = globalenv())
    }
    for (pr in pairs) {
      nm <- paste0(pr[1], "_vs_", pr[2])
      f0 <- get(paste0("fit_", est, "_", pr[1])); f1 <- get(paste0("fit_", est, "_", pr[2]))
      lr <- lrt_out(f0, f1, paste0("fit_", est, "_", pr[1]), paste0("fit_", est, "_", pr[2]))
      h0 <- res$models[[pr[1]]][[est]]$hand_at_exact_mle; h1 <- res$models[[pr[2]]][[est]]$hand_at_exact_mle
      key <- if (est == "MLM") "rc_satorra_bentler" else "rc_yuan_bentler_mplus"
      r1 <- res$models[[pr[2]]][[est]]$fit_measures$df
      rc1 <- if (r1 == 0) 0 else h1[[key]]
      cd <- (h0[[key]] - rc1) / lr$df
      lr$hand_at_exact_mle <- list(scaling_factor = cd, statistic = lr$statistic_unscaled / cd,
                                   pvalue = pchisq(lr$statistic_unscaled / cd, lr$df, lower.tail = FALSE))
      if (is.na(lr$scaling_factor)) {
        lr$note <- "lavaan: the scaling factor of the difference is negative (lavTestLRT warns and reports NA)"
        add_check(sprintf("%s %s %s: hand c_d negative, as lavaan", case, est, nm), max(0, cd), 0, 0)
      } else {
        add_check(sprintf("%s %s %s: hand c_d == lavaan", case, est, nm), cd, lr$scaling_factor, 1e-6 * abs(cd))
        add_check(sprintf("%s %s %s: hand T == lavTestLRT Chisq diff", case, est, nm), lr$statistic_unscaled / cd, lr$chisq_diff_scaled, 1e-6 * lr$chisq_diff_scaled)
      }
      res[[paste0("lr_", est)]][[nm]] <- lr
    }
  }
  res
}

# ---------------------------------------------------------------------------------------
# (1) iris by Species
# ---------------------------------------------------------------------------------------
iris_models <- list(
  free = list(syntax = "m_iris", equal = EQUAL$free, equal_py = list(), structure_py = "unstructured"),
  equal_cov = list(syntax = "m_iris", equal = EQUAL$equal_cov, equal_py = list("cov"), structure_py = "unstructured"),
  equal_mean = list(syntax = "m_iris", equal = EQUAL$equal_mean, equal_py = list("mean"), structure_py = "unstructured"),
  equal_both = list(syntax = "m_iris", equal = EQUAL$equal_both, equal_py = list("mean", "cov"), structure_py = "unstructured"))
Xi <- group_mats(iris, ivars, "Species")
ex_iris <- lapply(setNames(names(iris_models), names(iris_models)), function(k) exact_complete(Xi, k))
out$iris_species <- run_case("iris", "iris", iris, ivars, "Species", iris_models, c("MLM", "MLR"),
                             list(c("equal_cov", "free"), c("equal_mean", "free"), c("equal_both", "equal_cov"), c("equal_both", "equal_mean")),
                             exact = ex_iris)

# ---------------------------------------------------------------------------------------
# (2) airquality complete rows by Month
# ---------------------------------------------------------------------------------------
air_models <- list(
  free = list(syntax = "m_air", equal = EQUAL$free, equal_py = list(), structure_py = "unstructured"),
  equal_cov = list(syntax = "m_air", equal = EQUAL$equal_cov, equal_py = list("cov"), structure_py = "unstructured"),
  cs_shared = list(syntax = "m_air_cs_shared", equal = "", equal_py = list("cov"), structure_py = "compound_symmetry"),
  cs_free = list(syntax = "m_air_cs_free", equal = "", equal_py = list(), structure_py = "compound_symmetry"))
Xa <- group_mats(air_cc, avars, "Month")
ex_air <- lapply(setNames(names(air_models), names(air_models)), function(k) exact_complete(Xa, k))
out$air_month_complete <- run_case("air complete", "air_cc", air_cc, avars, "Month", air_models, c("MLM", "MLR"),
                                   list(c("equal_cov", "free"), c("cs_shared", "free"), c("cs_shared", "cs_free"), c("cs_shared", "equal_cov")),
                                   exact = ex_air)
out$air_month_complete$rows <- "air_cc <- air[complete.cases(air[, c('Ozone', 'Solar.R', 'Wind', 'Temp')]), ]  (111 rows)"

# ---------------------------------------------------------------------------------------
# (3) airquality with missing values by Month: MLR, missing = "ml"
# ---------------------------------------------------------------------------------------
air <- air_all
air_mis_models <- list(
  free = list(syntax = "m_air", equal = EQUAL$free, equal_py = list(), structure_py = "unstructured"),
  equal_cov = list(syntax = "m_air", equal = EQUAL$equal_cov, equal_py = list("cov"), structure_py = "unstructured"),
  equal_both = list(syntax = "m_air", equal = EQUAL$equal_both, equal_py = list("mean", "cov"), structure_py = "unstructured"),
  cs_shared = list(syntax = "m_air_cs_shared", equal = "", equal_py = list("cov"), structure_py = "compound_symmetry"))
ex_mis <- list(free = exact_fiml("air_month_free", avars), equal_cov = exact_fiml("air_month_equal_cov", avars),
               equal_both = exact_fiml("air_month_equal_both", avars), cs_shared = exact_fiml("air_month_equal_cov_cs", avars))
out$air_month_missing <- run_case("air missing", "air", air, avars, "Month", air_mis_models, "MLR",
                                  list(c("equal_cov", "free"), c("equal_both", "equal_cov"), c("cs_shared", "equal_cov")),
                                  missing = TRUE, extra = ', missing = "ml", em.h1.tol = 1e-12, em.h1.iter.max = 100000', exact = ex_mis)
out$air_month_missing$note <- "em.h1.tol = 1e-12 so that lavaan's h1 (saturated, per group) estimates are exact; exact FIML estimates of the models from groups.json (air_month_free, air_month_equal_cov, air_month_equal_both, air_month_equal_cov_cs: exact_mle)"

out$checks <- checks
write_ref(out, "groups_scaled.json")
message("failed checks: ", sum(!sapply(checks, `[[`, "ok")))
