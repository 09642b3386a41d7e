# Multivariate regression references: joint MVN regressions with lavaan (random x, FIML,
# fixed x), the multivariate linear model lm(cbind(...) ~ ...) with car::Anova type III
# MANOVA tests, and seemingly unrelated regressions with systemfit (Grunfeld GE/WH,
# iterated and two-step SUR; Kmenta, where iterated SUR has no maximum).
# Writes tests/reference/regression.json, tests/reference/data/grunfeld_ge_wh.csv and
# tests/reference/data/kmenta.csv (reads data/iris.csv and data/airquality.csv).
#
#   Rscript tests/reference/regression.R        (run from the repository root)
#
# Conventions (see README.md): ML covariance divisor n unless stated; log-likelihoods are
# full MVN log-likelihoods including the -n p/2 log(2 pi) constant.

source(file.path("tests", "reference", "common.R"))
suppressPackageStartupMessages({
  library(lavaan); library(car); library(systemfit); library(mvtnorm); library(numDeriv)
})

out <- list()
checks <- list()
out$meta <- list(
  script = "tests/reference/regression.R",
  regenerate = "Rscript tests/reference/regression.R",
  versions = versions(c("lavaan", "car", "systemfit", "mvtnorm", "numDeriv", "jsonlite")),
  conventions = list(
    loglik = "full MVN log-likelihood, includes the -n*m/2*log(2*pi) constant",
    lavaan = "likelihood='normal' (N, not N-1); SEs from the total information; parameter order = lavaan's parameter table",
    mlm = "lm(cbind(...) ~ ...): coef/vcov from R; vcov = kronecker(Sigma_u, (X'X)^-1) with Sigma_u = crossprod(resid)/(n-k)",
    sur = "systemfit stacks equations (equation-major): y = (y_1', y_2')', X = blockdiag(X_1, X_2); GLS b = (X'(Sigma^-1 %x% I_T)X)^-1 X'(Sigma^-1 %x% I_T) y; methodResidCov='noDfCor' => Sigma = E'E/T",
    json_precision = "jsonlite digits=NA: 15 significant digits; NA written as null"
  )
)

# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------
na_null <- function(x) if (is.na(x)) NA else x
lav_options <- function(fit) {
  opt <- lavInspect(fit, "options")
  list(estimator = opt$estimator, likelihood = opt$likelihood,
       information = opt$information[1], observed.information = opt$observed.information[1],
       h1.information = opt$h1.information[1], se = opt$se, missing = opt$missing,
       meanstructure = opt$meanstructure, fixed.x = opt$fixed.x, conditional.x = opt$conditional.x)
}
lav_params <- function(fit) {
  pe <- parameterEstimates(fit, ci = FALSE)
  lapply(seq_len(nrow(pe)), function(i)
    list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], label = if (is.null(pe$label)) "" else pe$label[i],
         est = pe$est[i], se = pe$se[i], z = na_null(pe$z[i]), pvalue = na_null(pe$pvalue[i])))
}
lav_out <- function(r) {
  fit <- r$value
  fm <- fitMeasures(fit, c("logl", "npar", "ntotal"))
  list(command = r$command, options = lav_options(fit),
       converged = lavInspect(fit, "converged"), nobs = lavInspect(fit, "nobs"),
       npar = unname(fm["npar"]), ntotal = unname(fm["ntotal"]), logl = unname(fm["logl"]),
       params = lav_params(fit))
}
pe_get <- function(pe, lhs, op, rhs = "") pe$est[pe$lhs == lhs & pe$op == op & pe$rhs == rhs]
pe_se <- function(pe, lhs, op, rhs = "") pe$se[pe$lhs == lhs & pe$op == op & pe$rhs == rhs]
sat_syntax <- function(v) {
  pr <- t(combn(v, 2))
  paste(paste(paste0(v, " ~ 1"), collapse = "\n"),
        paste(paste0(v, " ~~ ", v), collapse = "\n"),
        paste(paste0(pr[, 1], " ~~ ", pr[, 2]), collapse = "\n"), sep = "\n")
}
ll_closed <- function(X) {
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
rel <- function(a, b) max(abs(as.numeric(a) - as.numeric(b))) / max(abs(as.numeric(b)))

# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
iris <- read.csv(file.path(DATA_DIR, "iris.csv"))
airquality <- read.csv(file.path(DATA_DIR, "airquality.csv"))
ivars <- c("Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width")
avars <- c("Ozone", "Solar.R", "Wind", "Temp")
checks[[length(checks) + 1]] <- check("data/iris.csv numeric columns == datasets::iris",
                                      as.matrix(iris[, ivars]), as.matrix(datasets::iris[, ivars]), 0)
checks[[length(checks) + 1]] <- check("data/airquality.csv NA pattern == datasets::airquality (mismatch count)",
                                      sum(is.na(airquality) != is.na(datasets::airquality)), 0, 0)
checks[[length(checks) + 1]] <- check("data/airquality.csv values == datasets::airquality (non-NA cells)",
                                      as.matrix(airquality)[!is.na(airquality)],
                                      as.matrix(datasets::airquality)[!is.na(datasets::airquality)], 0)
out$data <- list(
  iris = list(file = "tests/reference/data/iris.csv", command = "iris <- read.csv('tests/reference/data/iris.csv')", n = nrow(iris)),
  airquality = list(file = "tests/reference/data/airquality.csv", command = "airquality <- read.csv('tests/reference/data/airquality.csv')",
                    n = nrow(airquality), n_missing_cells = nv(colSums(is.na(airquality[, avars])))))

# ---------------------------------------------------------------------------------------
# 3 (first, used by 1). multivariate linear model on iris
# ---------------------------------------------------------------------------------------
r_mlm <- run("lm(cbind(Sepal.Length, Sepal.Width) ~ Petal.Length + Petal.Width, data = iris)")
fit_mlm <- r_mlm$value
n_i <- nrow(iris); k_i <- 3; m_i <- 2
R_mlm <- resid(fit_mlm)
Sig_u <- crossprod(R_mlm) / fit_mlm$df.residual
Sig_ml <- crossprod(R_mlm) / n_i
ll_mlm <- sum(mvtnorm::dmvnorm(R_mlm, sigma = Sig_ml, log = TRUE))
sfit <- summary(fit_mlm)
names(sfit) <- sub("^Response ", "", names(sfit))
Xd <- model.matrix(fit_mlm)

# car::Anova type III. The statistics are computed exactly as car:::print.Anova.mlm does:
# eig = Re(eigen(qr.coef(qr(SSPE), SSP[[term]]))$values), then car:::Pillai / Wilks / HL / Roy
# (eig, df[term], error.df) -> (statistic, approx F, num Df, den Df), p = pf(F, num, den, lower = FALSE).
car_fun <- list(Pillai = car:::Pillai, Wilks = car:::Wilks, "Hotelling-Lawley" = car:::HL, Roy = car:::Roy)
stats_fun <- list(Pillai = stats:::Pillai, Wilks = stats:::Wilks, "Hotelling-Lawley" = stats:::HL, Roy = stats:::Roy)
mv_stats <- function(SSP, SSPE, df, df.res, test, funs = car_fun) {
  eig <- Re(eigen(qr.coef(qr(SSPE), SSP), symmetric = FALSE)$values)
  s <- funs[[test]](eig, df, df.res)
  list(Df = unname(df), statistic = s[1], approx_F = s[2], num_Df = s[3], den_Df = s[4],
       p.value = pf(s[2], s[3], s[4], lower.tail = FALSE))
}
anova_tests <- list()
for (tst in names(car_fun)) {
  cmd <- sprintf('car::Anova(fit_mlm, type = "III", test.statistic = "%s")', tst)
  a <- run(cmd)$value
  terms_res <- setNames(lapply(seq_along(a$terms), function(j)
    mv_stats(a$SSP[[j]], a$SSPE, a$df[j], a$error.df, tst)), a$terms)
  anova_tests[[tst]] <- c(list(command = cmd), terms_res)
  # cross-check 1: the printed table (digits = 15)
  txt <- capture.output(print(a, digits = 15))
  hdr <- grep("Df +test stat", txt)
  for (j in seq_along(a$terms)) {
    ln <- txt[hdr + j]
    stopifnot(startsWith(ln, a$terms[j]))
    f <- strsplit(trimws(substring(ln, nchar(a$terms[j]) + 1)), "\\s+")[[1]]
    printed <- as.numeric(f[1:5])                 # Df, test stat, approx F, num Df, den Df
    mine <- unlist(terms_res[[j]][c("Df", "statistic", "approx_F", "num_Df", "den_Df")])
    checks[[length(checks) + 1]] <- check(sprintf("Anova III %s %s == printed table (digits=15, relative)", tst, a$terms[j]),
                                          printed / mine, rep(1, 5), 1e-12)
  }
  # cross-check 2: stats:::Pillai etc. on eigen(solve(SSPE) SSP)
  for (j in seq_along(a$terms)) {
    eig2 <- Re(eigen(solve(a$SSPE) %*% a$SSP[[j]])$values)
    s2 <- stats_fun[[tst]](eig2, a$df[j], a$error.df)
    checks[[length(checks) + 1]] <- check(sprintf("Anova III %s %s == stats:::%s on eigen(solve(SSPE) SSP) (relative)", tst, a$terms[j], tst),
                                          s2 / unlist(terms_res[[j]][c("statistic", "approx_F", "num_Df", "den_Df")]), rep(1, 4), 1e-12)
  }
}
a3 <- car::Anova(fit_mlm, type = "III")
# cross-check 3: car::linearHypothesis(fit, "<term> = 0") (also for the intercept)
for (j in seq_along(a3$terms)) {
  term <- a3$terms[j]
  lh <- car::linearHypothesis(fit_mlm, paste(term, "= 0"))
  checks[[length(checks) + 1]] <- check(sprintf("Anova III SSP[%s] == linearHypothesis('%s = 0') SSPH", term, term),
                                        a3$SSP[[j]], lh$SSPH, 1e-10)
  for (tst in names(car_fun)) {
    s_lh <- mv_stats(lh$SSPH, lh$SSPE, lh$df, lh$df.residual, tst)
    checks[[length(checks) + 1]] <- check(sprintf("Anova III %s %s == linearHypothesis stats (relative)", tst, term),
                                          unlist(s_lh[c("statistic", "approx_F", "num_Df", "den_Df")]) /
                                            unlist(anova_tests[[tst]][[term]][c("statistic", "approx_F", "num_Df", "den_Df")]),
                                          rep(1, 4), 1e-12)
  }
}
# cross-check 4: the last term of a sequential MANOVA (stats::summary.manova) is the type III test
sm_names <- c(Pillai = "Pillai", Wilks = "Wilks", "Hotelling-Lawley" = "Hotelling-Lawley", Roy = "Roy")
for (tst in names(car_fun)) {
  st <- summary(manova(fit_mlm), test = sm_names[[tst]])$stats["Petal.Width", ]
  checks[[length(checks) + 1]] <- check(sprintf("Anova III %s Petal.Width == summary.manova last (sequential) term", tst),
                                        st[2:6], unlist(anova_tests[[tst]][["Petal.Width"]][c("statistic", "approx_F", "num_Df", "den_Df", "p.value")]),
                                        1e-10 * max(1, abs(st[3])))
}

out$mlm_iris <- list(
  command = r_mlm$command,
  n = n_i, k = k_i, df.residual = fit_mlm$df.residual,
  coef = mat(coef(fit_mlm)),
  vcov = mat(vcov(fit_mlm)),
  vcov_note = "R's vcov.mlm: kronecker(Sigma_u, solve(crossprod(X))), rows/cols named '<response>:<term>', response-major (all terms of Sepal.Length first)",
  resid_cov_df_corrected = mat(Sig_u),
  resid_cov_df_corrected_formula = "crossprod(resid(fit)) / df.residual, df.residual = n - k = 147",
  resid_cov_ml = mat(Sig_ml),
  resid_cov_ml_formula = "crossprod(resid(fit)) / n",
  r_squared = nv(sapply(sfit, `[[`, "r.squared")),
  adj_r_squared = nv(sapply(sfit, `[[`, "adj.r.squared")),
  sigma = nv(sapply(sfit, `[[`, "sigma")),
  loglik_ml = ll_mlm,
  loglik_ml_command = "sum(mvtnorm::dmvnorm(resid(fit), sigma = crossprod(resid(fit)) / n, log = TRUE))",
  loglik_ml_closed_form = -n_i / 2 * (m_i * log(2 * pi) + log(det(Sig_ml)) + m_i),
  anova_type3 = list(
    note = paste("Type III MANOVA. Each term has Df = 1 (q = 1), so s = min(p, q) = 1 and all four statistics give the same exact F(2, 146).",
                 "Statistics computed exactly as car:::print.Anova.mlm (eigenvalues of SSPE^-1 SSP, car:::Pillai/Wilks/HL/Roy); p.value = pf(approx_F, num_Df, den_Df, lower.tail = FALSE).",
                 "Roy's approx F is the usual upper bound (exact here because s = 1)."),
    SSPE = mat(a3$SSPE), error.df = a3$error.df,
    SSP = setNames(lapply(a3$SSP, mat), a3$terms),
    tests = anova_tests))
checks[[length(checks) + 1]] <- check("mlm coef == separate lm fits per response",
                                      coef(fit_mlm), cbind(coef(lm(Sepal.Length ~ Petal.Length + Petal.Width, data = iris)),
                                                           coef(lm(Sepal.Width ~ Petal.Length + Petal.Width, data = iris))), 1e-12)
checks[[length(checks) + 1]] <- check("mlm vcov == kronecker(Sigma_u, solve(X'X))", vcov(fit_mlm), kronecker(Sig_u, solve(crossprod(Xd))), 1e-13)
checks[[length(checks) + 1]] <- check("mlm loglik (dmvnorm sum) == -n/2 (m log 2pi + log|Sigma_ML| + m)", ll_mlm, out$mlm_iris$loglik_ml_closed_form, 1e-10)
checks[[length(checks) + 1]] <- check("mlm R^2 == 1 - RSS/TSS per response",
                                      sapply(sfit, `[[`, "r.squared"),
                                      1 - colSums(R_mlm^2) / colSums(sweep(as.matrix(iris[, c("Sepal.Length", "Sepal.Width")]), 2,
                                                                           colMeans(iris[, c("Sepal.Length", "Sepal.Width")]))^2), 1e-14)

# ---------------------------------------------------------------------------------------
# 1. joint_iris: lavaan regression with random x (fixed.x = FALSE)
# ---------------------------------------------------------------------------------------
r <- run("lavaan::sem('Sepal.Length + Sepal.Width ~ Petal.Length + Petal.Width', data = iris, fixed.x = FALSE, meanstructure = TRUE, likelihood = \"normal\", information = \"expected\")")
fit_ji <- r$value
out$joint_iris <- lav_out(r)
pe <- parameterEstimates(fit_ji)
Xi4 <- as.matrix(iris[, ivars])
ll_sat_i <- ll_closed(Xi4)
xv <- c("Petal.Length", "Petal.Width"); yv <- c("Sepal.Length", "Sepal.Width")
Xx <- as.matrix(iris[, xv]); Sx_ml <- crossprod(sweep(Xx, 2, colMeans(Xx))) / n_i
ll_marg_x <- sum(mvtnorm::dmvnorm(Xx, colMeans(Xx), Sx_ml, log = TRUE))
out$joint_iris$loglik_saturated_closed_form <- ll_sat_i
out$joint_iris$loglik_decomposition <- list(
  conditional_y_given_x = ll_mlm, marginal_x = ll_marg_x,
  note = "joint logl = sum_i log phi(y_i | x_i) at (B, Psi_ML) [= mlm_iris.loglik_ml] + sum_i log phi(x_i; xbar, S_x,n)")
checks[[length(checks) + 1]] <- check("joint_iris logl == saturated closed form of the 4 columns", out$joint_iris$logl, ll_sat_i, 1e-9)
checks[[length(checks) + 1]] <- check("joint_iris logl == mlm conditional loglik + marginal x loglik", out$joint_iris$logl, ll_mlm + ll_marg_x, 1e-9)
B_lav <- sapply(yv, function(y) sapply(xv, function(x) pe_get(pe, y, "~", x)))
checks[[length(checks) + 1]] <- check("joint_iris slopes == coef(lm(cbind(SL, SW) ~ PL + PW))[-1, ]", B_lav, coef(fit_mlm)[xv, yv], 1e-7)
checks[[length(checks) + 1]] <- check("joint_iris intercepts == lm intercepts", sapply(yv, function(y) pe_get(pe, y, "~1")), coef(fit_mlm)[1, yv], 1e-6)
Psi_lav <- matrix(c(pe_get(pe, yv[1], "~~", yv[1]), pe_get(pe, yv[1], "~~", yv[2]),
                    pe_get(pe, yv[1], "~~", yv[2]), pe_get(pe, yv[2], "~~", yv[2])), 2)
checks[[length(checks) + 1]] <- check("joint_iris residual cov == crossprod(resid)/n", Psi_lav, Sig_ml, 1e-7)
checks[[length(checks) + 1]] <- check("joint_iris x means/cov == sample (divisor n)",
                                      c(pe_get(pe, xv[1], "~1"), pe_get(pe, xv[2], "~1"), pe_get(pe, xv[1], "~~", xv[1]),
                                        pe_get(pe, xv[1], "~~", xv[2]), pe_get(pe, xv[2], "~~", xv[2])),
                                      c(colMeans(Xx), Sx_ml[1, 1], Sx_ml[1, 2], Sx_ml[2, 2]), 1e-7)
# expected-information SEs of (intercept, slopes) = sqrt(vcov(mlm) * (n - k) / n)
se_lav_coef <- c(sapply(yv, function(y) c(pe_se(pe, y, "~1"), sapply(xv, function(x) pe_se(pe, y, "~", x)))))
checks[[length(checks) + 1]] <- check("joint_iris expected SEs of intercepts/slopes == sqrt(diag(vcov(mlm)) (n-k)/n)",
                                      se_lav_coef, sqrt(diag(vcov(fit_mlm)) * (n_i - k_i) / n_i), 1e-7)
out$joint_iris$note <- paste("Parameter table: slopes (~), residual (co)variances of y and (co)variances of x (~~), intercepts of y and means of x (~1).",
                             "With random x and expected information, SE(intercepts, slopes)^2 = diag(vcov(mlm)) * (n-k)/n (ML residual covariance instead of divisor n-k).")

# ---------------------------------------------------------------------------------------
# 2. joint_air_fiml: lavaan regression with random x, FIML
# ---------------------------------------------------------------------------------------
r <- run("lavaan::sem('Ozone ~ Solar.R + Wind + Temp', data = airquality, fixed.x = FALSE, missing = \"ml\", meanstructure = TRUE, likelihood = \"normal\", information = \"observed\")")
fit_ja <- r$value
out$joint_air_fiml <- lav_out(r)
r_sat <- run("lavaan::lavaan(model = sat_syntax(c('Ozone', 'Solar.R', 'Wind', 'Temp')), data = airquality, estimator = \"ML\", likelihood = \"normal\", meanstructure = TRUE, missing = \"ml\", information = \"observed\")")
ll_sat_air <- as.numeric(fitMeasures(r_sat$value, "logl"))
impl <- lavInspect(fit_ja, "implied")
ll_hand_air <- fiml_ll(as.matrix(airquality[, avars]), impl$mean[avars], unclass(impl$cov)[avars, avars])
out$joint_air_fiml$saturated_fiml <- list(command = r_sat$command, logl = ll_sat_air)
out$joint_air_fiml$implied_mean <- nv(impl$mean[avars])
out$joint_air_fiml$implied_cov <- mat(unclass(impl$cov)[avars, avars])
out$joint_air_fiml$note <- "x variables are modelled (fixed.x = FALSE), so rows with missing Solar.R (an x) are kept and contribute their observed part; the model is saturated, so logl equals the saturated FIML logl"
checks[[length(checks) + 1]] <- check("joint_air_fiml logl == saturated FIML logl (lavaan, 4 columns)", out$joint_air_fiml$logl, ll_sat_air, 1e-8)
checks[[length(checks) + 1]] <- check("joint_air_fiml logl == sum of observed-part dmvnorm at implied moments", out$joint_air_fiml$logl, ll_hand_air, 1e-8)
sat_impl <- lavInspect(r_sat$value, "implied")
checks[[length(checks) + 1]] <- check("joint_air_fiml implied cov == saturated FIML cov (relative)",
                                      unclass(impl$cov)[avars, avars] / unclass(sat_impl$cov)[avars, avars], matrix(1, 4, 4), 1e-5)

# ---------------------------------------------------------------------------------------
# 4. fixed_x_incomplete: fixed.x = TRUE, missing = "ml" (missing values only in the responses)
# ---------------------------------------------------------------------------------------
fx_cmd <- "lavaan::sem('Ozone + Solar.R ~ Wind + Temp', data = airquality, fixed.x = TRUE, missing = \"ml\", meanstructure = TRUE, likelihood = \"normal\", information = \"%s\")"
r_fo <- run(sprintf(fx_cmd, "observed")); r_fe <- run(sprintf(fx_cmd, "expected"))
fit_fo <- r_fo$value; fit_fe <- r_fe$value
pe_fo <- parameterEstimates(fit_fo); pe_fe <- parameterEstimates(fit_fe)
yv2 <- c("Ozone", "Solar.R"); xv2 <- c("Wind", "Temp")
alpha <- sapply(yv2, function(y) pe_get(pe_fo, y, "~1"))
B2 <- t(sapply(yv2, function(y) sapply(xv2, function(x) pe_get(pe_fo, y, "~", x))))   # 2 x 2, rows = y
Psi2 <- matrix(c(pe_get(pe_fo, "Ozone", "~~", "Ozone"), pe_get(pe_fo, "Ozone", "~~", "Solar.R"),
                 pe_get(pe_fo, "Ozone", "~~", "Solar.R"), pe_get(pe_fo, "Solar.R", "~~", "Solar.R")), 2, dimnames = list(yv2, yv2))
Ya <- as.matrix(airquality[, yv2]); Xa2 <- as.matrix(airquality[, xv2])
ll_cond <- sum(sapply(seq_len(nrow(Ya)), function(i) {
  o <- !is.na(Ya[i, ])
  if (!any(o)) return(0)
  mu_i <- alpha + B2 %*% Xa2[i, ]
  mvtnorm::dmvnorm(Ya[i, o], mu_i[o], Psi2[o, o, drop = FALSE], log = TRUE)
}))
nx <- nrow(Xa2); Sx2 <- crossprod(sweep(Xa2, 2, colMeans(Xa2))) / nx
ll_margx <- sum(mvtnorm::dmvnorm(Xa2, colMeans(Xa2), Sx2, log = TRUE))
logl_fo <- as.numeric(fitMeasures(fit_fo, "logl"))
out$fixed_x_incomplete <- list(
  observed = lav_out(r_fo), expected = lav_out(r_fe),
  n_rows = nrow(Ya), n_rows_no_y_observed = sum(rowSums(!is.na(Ya)) == 0),
  n_rows_complete = sum(complete.cases(Ya)),
  loglik_conditional_hand = ll_cond,
  loglik_conditional_command = "sum over rows with some y observed of dmvnorm(y_i,obs; (alpha + B x_i)_obs, Psi_obs,obs) at lavaan's estimates",
  loglik_marginal_x_hand = ll_margx,
  loglik_marginal_x_command = "sum(dmvnorm(x_i; colMeans(x), crossprod(centred x)/n)) over all 153 rows (Wind and Temp have no NA)",
  lavaan_logl = logl_fo,
  lavaan_logl_minus_conditional = logl_fo - ll_cond,
  relation = paste("lavaan logl (fixed.x = TRUE, conditional.x = FALSE) = conditional loglik of the observed y given x ONLY:",
                   "the marginal of x is NOT included. lavaan computes the joint FIML loglik with the x moments fixed at their sample values",
                   "and then subtracts the h1 loglik of x, -N/2 (q log 2pi + log|S_x,n| + q) (lavaan:::lav_mvnorm_missing_loglik_samplestats;",
                   "the complete-data branch lav_mvnorm_loglik_samplestats subtracts it too). Hence lavaan_logl == loglik_conditional_hand,",
                   "and the fixed.x = FALSE fit of the same model has logl = lavaan_logl + loglik_marginal_x_hand."),
  note = paste("The x (co)variances and means appear in the parameter table with se = 0 and z/pvalue = null (fixed at the sample values).",
               "Estimates and logl are identical for information = observed and expected; only the SEs differ.",
               "Two rows (Ozone and Solar.R both NA) contribute only to the marginal x part; lavaan keeps them (ntotal = 153)."))
checks[[length(checks) + 1]] <- check("fixed_x: lavaan logl == conditional loglik of observed y given x (hand); x marginal NOT included", logl_fo, ll_cond, 1e-8)
checks[[length(checks) + 1]] <- check("fixed_x: fixed x moments == sample mean and divisor-n covariance",
                                      c(pe_get(pe_fo, "Wind", "~1"), pe_get(pe_fo, "Temp", "~1"), pe_get(pe_fo, "Wind", "~~", "Wind"),
                                        pe_get(pe_fo, "Wind", "~~", "Temp"), pe_get(pe_fo, "Temp", "~~", "Temp")),
                                      c(colMeans(Xa2), Sx2[1, 1], Sx2[1, 2], Sx2[2, 2]), 1e-10)
checks[[length(checks) + 1]] <- check("fixed_x: est and logl identical for observed vs expected information",
                                      c(pe_fo$est, logl_fo), c(pe_fe$est, as.numeric(fitMeasures(fit_fe, "logl"))), 0)
fit_fx_random <- lavaan::sem('Ozone + Solar.R ~ Wind + Temp', data = airquality, fixed.x = FALSE, missing = "ml",
                             meanstructure = TRUE, likelihood = "normal", information = "observed")
pe_rx <- parameterEstimates(fit_fx_random)
sel <- function(p) c(sapply(yv2, function(y) c(p$est[p$lhs == y & p$op == "~"], pe_get(p, y, "~1"))),
                     pe_get(p, "Ozone", "~~", "Ozone"), pe_get(p, "Ozone", "~~", "Solar.R"), pe_get(p, "Solar.R", "~~", "Solar.R"))
checks[[length(checks) + 1]] <- check("fixed_x: y-part estimates == fixed.x = FALSE fit (relative; x complete => factorisation)",
                                      sel(pe_fo) / sel(pe_rx), rep(1, length(sel(pe_fo))), 1e-5)
checks[[length(checks) + 1]] <- check("fixed_x: fixed.x = FALSE logl == fixed.x = TRUE logl + marginal x loglik (hand)",
                                      as.numeric(fitMeasures(fit_fx_random, "logl")), logl_fo + ll_margx, 1e-7)
# the same convention on complete data: fixed.x = TRUE on iris gives the mlm conditional loglik
r_ix <- run("lavaan::sem('Sepal.Length + Sepal.Width ~ Petal.Length + Petal.Width', data = iris, fixed.x = TRUE, meanstructure = TRUE, likelihood = \"normal\", information = \"expected\")")
logl_ix <- as.numeric(fitMeasures(r_ix$value, "logl"))
out$fixed_x_incomplete$complete_data_iris_fixed_x <- list(
  command = r_ix$command, logl = logl_ix, mlm_iris_loglik_ml = ll_mlm, joint_iris_logl = out$joint_iris$logl,
  note = "complete data, fixed.x = TRUE: logl = conditional loglik of y given x (= mlm_iris.loglik_ml); joint_iris (fixed.x = FALSE) logl = this + marginal x loglik")
checks[[length(checks) + 1]] <- check("iris fixed.x = TRUE logl == mlm conditional loglik (complete data, x marginal not included)", logl_ix, ll_mlm, 1e-9)
out$fixed_x_incomplete$fixed_x_false_logl <- as.numeric(fitMeasures(fit_fx_random, "logl"))

# ---------------------------------------------------------------------------------------
# 5. SUR on Grunfeld General Electric / Westinghouse
# ---------------------------------------------------------------------------------------
data("GrunfeldGreene", package = "systemfit")
gg <- GrunfeldGreene
ge <- gg[gg$firm == "General Electric", ]; wh <- gg[gg$firm == "Westinghouse", ]
stopifnot(identical(ge$year, 1935:1954), identical(wh$year, 1935:1954))
gw <- data.frame(year = ge$year, GE_invest = ge$invest, GE_value = ge$value, GE_capital = ge$capital,
                 WH_invest = wh$invest, WH_value = wh$value, WH_capital = wh$capital)
write.csv(gw, file.path(DATA_DIR, "grunfeld_ge_wh.csv"), row.names = FALSE)
grunfeld <- read.csv(file.path(DATA_DIR, "grunfeld_ge_wh.csv"))
checks[[length(checks) + 1]] <- check("grunfeld_ge_wh.csv read back == systemfit::GrunfeldGreene GE/WH", as.matrix(grunfeld), as.matrix(gw), 0)
if (requireNamespace("AER", quietly = TRUE)) {
  e <- new.env(); data("Grunfeld", package = "AER", envir = e)
  ag <- e$Grunfeld
  aw <- cbind(ag[ag$firm == "General Electric", c("invest", "value", "capital")], ag[ag$firm == "Westinghouse", c("invest", "value", "capital")])
  checks[[length(checks) + 1]] <- check("GrunfeldGreene GE/WH == AER::Grunfeld GE/WH (Grunfeld 1958 values)", as.matrix(aw), as.matrix(gw[, -1]), 0)
}
eq_g <- list(GE = GE_invest ~ GE_value + GE_capital, WH = WH_invest ~ WH_value + WH_capital)
Tg <- nrow(grunfeld)
X1 <- cbind(1, grunfeld$GE_value, grunfeld$GE_capital); X2 <- cbind(1, grunfeld$WH_value, grunfeld$WH_capital)
Xg <- rbind(cbind(X1, matrix(0, Tg, 3)), cbind(matrix(0, Tg, 3), X2))
yg <- c(grunfeld$GE_invest, grunfeld$WH_invest)
gls_fit <- function(X, y, Sigma, T) {
  Om <- solve(Sigma) %x% diag(T)
  XtO <- crossprod(X, Om)
  V <- solve(XtO %*% X)
  list(coef = as.vector(V %*% (XtO %*% y)), vcov = V)
}
conc_ll <- function(b, XX, yy, TT, mm) {        # concentrated log-likelihood (Sigma = E'E/T)
  E <- matrix(yy - XX %*% b, TT, mm)
  logdet <- 2 * sum(log(abs(diag(qr.R(qr(E)))))) - mm * log(TT)   # log|E'E/T| via QR (stable when E'E is near-singular)
  -TT / 2 * (mm * log(2 * pi) + logdet + mm)
}

# (a) iterated SUR
r_it <- run('systemfit(eq_g, method = "SUR", data = grunfeld, methodResidCov = "noDfCor", maxit = 1000, tol = 1e-12)')
f_it <- r_it$value
E_it <- matrix(yg - Xg %*% coef(f_it), Tg, 2, dimnames = list(NULL, c("GE", "WH")))
Sig_it <- crossprod(E_it) / Tg
g_it <- gls_fit(Xg, yg, Sig_it, Tg)
V_hand <- g_it$vcov; dimnames(V_hand) <- dimnames(vcov(f_it))
ll_it_hand <- sum(mvtnorm::dmvnorm(E_it, sigma = Sig_it, log = TRUE))
grad_conc <- numDeriv::grad(conc_ll, coef(f_it), XX = Xg, yy = yg, TT = Tg, mm = 2)
tol_scan <- lapply(c(1e-12, 1e-13, 1e-14, 1e-15), function(tl) {
  f <- systemfit(eq_g, method = "SUR", data = grunfeld, methodResidCov = "noDfCor", maxit = 1000, tol = tl)
  list(tol = tl, iterations = f$iter, converged = f$iter < 1000, max_abs_coef_diff_to_tol_1e12 = max(abs(coef(f) - coef(f_it))))
})
out$sur_grunfeld <- list(
  data = list(file = "tests/reference/data/grunfeld_ge_wh.csv",
              command = "systemfit::GrunfeldGreene, firms 'General Electric' and 'Westinghouse', 1935-1954, reshaped wide; grunfeld <- read.csv('tests/reference/data/grunfeld_ge_wh.csv')",
              T = Tg, equations = c(GE = "GE_invest ~ GE_value + GE_capital", WH = "WH_invest ~ WH_value + WH_capital")),
  iterated = list(
    command = r_it$command,
    iterations = f_it$iter, converged = f_it$iter < 1000,
    convergence_criterion = "systemfit stops when sqrt(sum((b_new - b_old)^2) / sum(b_old^2)) <= tol",
    coef = nv(coef(f_it)), vcov = mat(vcov(f_it)),
    residCov = mat(f_it$residCov), residCovEst = mat(f_it$residCovEst),
    residCov_note = "residCov = E'E/T from the final residuals (noDfCor); residCovEst = the Sigma used in the last GLS step (from the previous iterate's residuals); vcov(fit) = (X'(residCovEst^-1 %x% I)X)^-1",
    logLik = as.numeric(logLik(f_it)), logLik_df = attr(logLik(f_it), "df"),
    logLik_hand = ll_it_hand,
    logLik_closed_form = -Tg / 2 * (2 * log(2 * pi) + log(det(Sig_it)) + 2),
    gls_at_ml_sigma = nv(setNames(g_it$coef, names(coef(f_it)))),
    vcov_hand = mat(V_hand),
    vcov_hand_formula = "(X'(Sigma_ML^-1 %x% I_T)X)^-1, Sigma_ML = crossprod(resid)/T at the converged coefficients",
    vcov_hand_max_abs_diff = max(abs(V_hand - vcov(f_it))),
    vcov_hand_max_rel_diff = max(abs(V_hand - vcov(f_it)) / abs(vcov(f_it))),
    concentrated_loglik_gradient = grad_conc,
    tolerance_scan = tol_scan))
checks[[length(checks) + 1]] <- check("SUR iterated: converged (iterations < maxit)", f_it$iter < 1000, TRUE, 0)
checks[[length(checks) + 1]] <- check("SUR iterated: residCov == crossprod(resid)/T", f_it$residCov, Sig_it, 1e-10)
checks[[length(checks) + 1]] <- check("SUR iterated: coef == GLS given Sigma_ML (relative)", rel(g_it$coef, coef(f_it)), 0, 1e-10)
checks[[length(checks) + 1]] <- check("SUR iterated: logLik == sum_t log phi(e_t; 0, Sigma_ML)", as.numeric(logLik(f_it)), ll_it_hand, 1e-10)
checks[[length(checks) + 1]] <- check("SUR iterated: vcov == (X'(Sigma_ML^-1 x I)X)^-1 (relative, elementwise)", max(abs(V_hand - vcov(f_it)) / abs(vcov(f_it))), 0, 1e-9)
checks[[length(checks) + 1]] <- check("SUR iterated: concentrated-loglik gradient * SE ~ 0 (stationary point = MLE)",
                                      grad_conc * sqrt(diag(vcov(f_it))), 0 * grad_conc, 1e-6)

# (b) two-step SUR
r_2s <- run('systemfit(eq_g, method = "SUR", data = grunfeld, methodResidCov = "noDfCor", maxit = 1)')
f_2s <- r_2s$value
b_ols_g <- c(qr.coef(qr(X1), grunfeld$GE_invest), qr.coef(qr(X2), grunfeld$WH_invest))
E_ols <- matrix(yg - Xg %*% b_ols_g, Tg, 2)
Sig_ols <- crossprod(E_ols) / Tg
g_2s <- gls_fit(Xg, yg, Sig_ols, Tg)
out$sur_grunfeld$two_step <- list(
  command = r_2s$command, iterations = f_2s$iter,
  coef = nv(coef(f_2s)), vcov = mat(vcov(f_2s)),
  residCov = mat(f_2s$residCov), residCovEst = mat(f_2s$residCovEst),
  note = "residCovEst = E_OLS'E_OLS/T (used for GLS and vcov); residCov = E'E/T of the two-step residuals")
checks[[length(checks) + 1]] <- check("SUR two-step: residCovEst == OLS residual crossprod / T", f_2s$residCovEst, Sig_ols, 1e-9)
checks[[length(checks) + 1]] <- check("SUR two-step: coef == GLS at Sigma_OLS (relative)", rel(coef(f_2s), g_2s$coef), 0, 1e-12)
checks[[length(checks) + 1]] <- check("SUR two-step: vcov == (X'(Sigma_OLS^-1 x I)X)^-1 (relative)", rel(vcov(f_2s), g_2s$vcov), 0, 1e-12)

# (c) OLS per equation
r_ols <- run('systemfit(eq_g, method = "OLS", data = grunfeld)')
out$sur_grunfeld$ols <- list(command = r_ols$command, coef = nv(coef(r_ols$value)))
checks[[length(checks) + 1]] <- check("OLS: systemfit coef == lm per equation",
                                      coef(r_ols$value), c(coef(lm(GE_invest ~ GE_value + GE_capital, grunfeld)),
                                                           coef(lm(WH_invest ~ WH_value + WH_capital, grunfeld))), 1e-10)

# ---------------------------------------------------------------------------------------
# 6. Kmenta: both equations explain the same response -> no finite MLE
# ---------------------------------------------------------------------------------------
data("Kmenta", package = "systemfit")
write.csv(Kmenta, file.path(DATA_DIR, "kmenta.csv"), row.names = FALSE)
kmenta <- read.csv(file.path(DATA_DIR, "kmenta.csv"))
checks[[length(checks) + 1]] <- check("kmenta.csv read back == systemfit::Kmenta", as.matrix(kmenta), as.matrix(Kmenta), 0)
eq_k <- list(demand = consump ~ price + income, supply = consump ~ price + farmPrice + trend)
Tk <- nrow(kmenta)
Xk1 <- cbind(1, kmenta$price, kmenta$income); Xk2 <- cbind(1, kmenta$price, kmenta$farmPrice, kmenta$trend)
Xk <- rbind(cbind(Xk1, matrix(0, Tk, 4)), cbind(matrix(0, Tk, 3), Xk2))
yk <- c(kmenta$consump, kmenta$consump)

# the call as asked: large maxit
warns <- character(0)
k_cmd <- 'systemfit(eq_k, method = "SUR", data = kmenta, methodResidCov = "noDfCor", maxit = 1000, tol = 1e-12)'
k_res <- tryCatch(withCallingHandlers(run(k_cmd)$value,
                                      warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") }),
                  error = function(e) e)
k_error <- if (inherits(k_res, "error")) conditionMessage(k_res) else NA

# trace: rerun with maxit = 1, 2, ... (systemfit's iterate after k steps) until systemfit fails
trace <- list(); coef_trace <- NULL; k <- 0
repeat {
  k <- k + 1
  f <- tryCatch(systemfit(eq_k, method = "SUR", data = kmenta, methodResidCov = "noDfCor", maxit = k, tol = 1e-12),
                error = function(e) e)
  if (inherits(f, "error")) { fail_iter <- k; fail_msg <- conditionMessage(f); break }
  ll <- tryCatch(as.numeric(logLik(f)), error = function(e) NA)
  E <- resid(f)
  trace[[k]] <- c(iteration = f$iter, det_residCov = det(f$residCov), det_residCovEst = det(f$residCovEst),
                  logLik = ll, min_eigen_residCov = min(eigen(f$residCov, symmetric = TRUE)$values),
                  resid_correlation = cor(E[, 1], E[, 2]), max_abs_resid_diff = max(abs(E[, 1] - E[, 2])))
  coef_trace <- rbind(coef_trace, coef(f))
  if (k >= 300) { fail_iter <- NA; fail_msg <- "no failure up to maxit = 300 (trace stopped)"; break }
}
tr <- do.call(rbind, trace)
# hand iteration (same algorithm) for the first iterations
b <- c(qr.coef(qr(Xk1), kmenta$consump), qr.coef(qr(Xk2), kmenta$consump))
hand_coef <- NULL
for (j in 1:10) {
  E <- matrix(yk - Xk %*% b, Tk, 2)
  b <- gls_fit(Xk, yk, crossprod(E) / Tk, Tk)$coef
  hand_coef <- rbind(hand_coef, b)
}
checks[[length(checks) + 1]] <- check("Kmenta: systemfit iterates 1..10 == hand iterated FGLS (relative)",
                                      rel(coef_trace[1:10, ], hand_coef), 0, 1e-8)
# unboundedness: move from the OLS coefficients to a 'common fit' (both equations = OLS of consump on price)
b_ols_k <- c(qr.coef(qr(Xk1), kmenta$consump), qr.coef(qr(Xk2), kmenta$consump))
f_ols_k <- systemfit(eq_k, method = "OLS", data = kmenta)
checks[[length(checks) + 1]] <- check("Kmenta: OLS start (qr per equation) == systemfit OLS", b_ols_k, coef(f_ols_k), 1e-10)
cp <- coef(lm(consump ~ price, data = kmenta))
b_common <- c(cp, 0, cp, 0, 0)
path_t <- c(0, 1 - 10^-(1:7))
path_ll <- sapply(path_t, function(t) conc_ll((1 - t) * b_ols_k + t * b_common, XX = Xk, yy = yk, TT = Tk, mm = 2))
checks[[length(checks) + 1]] <- check("Kmenta: concentrated loglik on the path -> +Inf: last increments per decade of (1 - t) == T*log(10)",
                                      diff(path_ll[6:8]), rep(Tk * log(10), 2), 1e-3)
ll_slope <- coef(lm(tr[20:80, "logLik"] ~ tr[20:80, "iteration"]))[2]
out$kmenta <- list(
  data = list(file = "tests/reference/data/kmenta.csv", command = "write.csv(systemfit::Kmenta, row.names = FALSE); kmenta <- read.csv(...)",
              T = Tk, equations = c(demand = "consump ~ price + income", supply = "consump ~ price + farmPrice + trend")),
  command = k_cmd,
  result = if (inherits(k_res, "error")) "error" else "returned",
  error_message = k_error, warnings = warns,
  trace_command = "for k in 1, 2, ...: systemfit(eq_k, method = 'SUR', data = kmenta, methodResidCov = 'noDfCor', maxit = k, tol = 1e-12) until it errors",
  trace_first_failure_maxit = fail_iter, trace_failure_message = fail_msg,
  trace = list(iteration = tr[, "iteration"], det_residCov = tr[, "det_residCov"], det_residCovEst = tr[, "det_residCovEst"],
               logLik = lapply(tr[, "logLik"], na_null), min_eigen_residCov = tr[, "min_eigen_residCov"],
               resid_correlation = tr[, "resid_correlation"], max_abs_resid_diff = tr[, "max_abs_resid_diff"]),
  coef_trace = mat(`rownames<-`(coef_trace, paste0("iter", seq_len(nrow(coef_trace))))),
  logLik_increase_per_iteration_20_80 = unname(ll_slope),
  det_ratio_per_iteration_20_80 = unname(exp(mean(diff(log(tr[20:80, "det_residCov"]))))),
  ols_coef = nv(coef(f_ols_k)),
  common_fit_path = list(
    description = "b(t) = (1 - t) b_OLS + t b_common, b_common = lm(consump ~ price) in both equations (income, farmPrice, trend = 0); concentrated loglik -T/2 (m log 2pi + log|E'E/T| + m), log-determinant via QR of E",
    t = path_t, concentrated_loglik = path_ll, b_common = nv(setNames(b_common, names(coef(f_ols_k))))),
  observation = paste(
    "Iterated SUR does not converge. Each iteration lowers det(residCov) by a roughly constant factor (det_ratio_per_iteration_20_80)",
    "and raises the Gaussian logLik by a roughly constant amount (logLik_increase_per_iteration_20_80); the residuals of the two equations",
    "become identical (resid_correlation -> 1, max_abs_resid_diff -> 0): the coefficients of income, farmPrice and trend go to 0 and the",
    "intercepts and price slopes of the two equations coincide (they keep drifting; no limit point is approached before the numerical floor).",
    "From about iteration 100 det(residCov) sits at the rounding floor (~1e-10 .. 1e-11) and logLik stops increasing (noise);",
    "at trace_first_failure_maxit systemfit stops with a LAPACK 'exactly singular' error, and maxit = 1000 gives the same error.",
    "Reason: both equations have the same response, so any coefficients giving both equations the same fitted values (e.g. b_common)",
    "make E'E/T singular and the concentrated log-likelihood -T/2 log|E'E/T| is unbounded above (common_fit_path: +T log 10 per",
    "factor 10 closer). The ML estimator does not exist; only the first few iterates are reproducible across platforms",
    "(systemfit vs hand FGLS agree to 1e-8 only up to ~10 iterations; later iterates are dominated by rounding)."))

out$checks <- checks
write_ref(out, "regression.json")
message("failed checks: ", sum(!sapply(checks, `[[`, "ok")))
