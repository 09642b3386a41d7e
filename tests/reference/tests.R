# Hypothesis tests after a multivariate-normal fit: Hotelling T2 (one-sample, two-sample
# pooled, unequal covariances, paired), MANOVA, Box's M, Sigma = Sigma0, sphericity,
# (block) independence, multivariate normality (Mardia, Henze-Zirkler, Doornik-Hansen,
# energy) and correlations with delta-method SEs.
# Writes tests/reference/tests.json and tests/reference/data/{iris,crabs}.csv.
#
#   Rscript tests/reference/tests.R        (run from the repository root)

source(file.path("tests", "reference", "common.R"))
suppressPackageStartupMessages({
  library(rrcov); library(MASS); library(psych); library(lavaan); library(energy)
})

out <- list()
checks <- list()
out$meta <- list(
  script = "tests/reference/tests.R",
  regenerate = "Rscript tests/reference/tests.R",
  versions = versions(c("rrcov", "MASS", "psych", "lavaan", "energy", "jsonlite")),
  notation = "N = sample size of a group; S_u = unbiased covariance (divisor N-1); S_n = ML covariance (divisor N); p = number of variables; ln = natural log",
  json_precision = "jsonlite digits=NA: 15 significant digits"
)

# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
write.csv(datasets::iris, file.path(DATA_DIR, "iris.csv"), row.names = FALSE)
write.csv(MASS::crabs, file.path(DATA_DIR, "crabs.csv"), row.names = FALSE)
iris <- datasets::iris
crabs <- MASS::crabs
crabs$group <- interaction(crabs$sp, crabs$sex)   # levels B.F, O.F, B.M, O.M (50 each)
ivars <- c("Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width")
cvars <- c("FL", "RW", "CL", "CW", "BD")
setosa <- as.matrix(iris[iris$Species == "setosa", ivars])
versicolor <- as.matrix(iris[iris$Species == "versicolor", ivars])
BM <- as.matrix(crabs[crabs$sp == "B" & crabs$sex == "M", cvars])
BF <- as.matrix(crabs[crabs$sp == "B" & crabs$sex == "F", cvars])
mu_crabs <- colMeans(as.matrix(crabs[, cvars]))
out$data <- list(
  iris = list(file = "tests/reference/data/iris.csv", command = "write.csv(datasets::iris, row.names = FALSE)",
              subsets = list(setosa = "iris[iris$Species == 'setosa', 1:4] (rows 1-50)",
                             versicolor = "iris[iris$Species == 'versicolor', 1:4] (rows 51-100)")),
  crabs = list(file = "tests/reference/data/crabs.csv", command = "write.csv(MASS::crabs, row.names = FALSE)",
               variables = cvars,
               group = "interaction(sp, sex): levels B.F, O.F, B.M, O.M, 50 rows each",
               subsets = list(B.M = "crabs[crabs$sp == 'B' & crabs$sex == 'M', c('FL','RW','CL','CW','BD')]",
                              B.F = "crabs[crabs$sp == 'B' & crabs$sex == 'F', ...]"),
               mu0_whole_data = nv(mu_crabs)))

htest_out <- function(r) {
  h <- r$value
  list(command = r$command, method = h$method,
       statistic = nv(h$statistic), parameter = nv(h$parameter), p.value = h$p.value)
}

# ---------------------------------------------------------------------------------------
# Hotelling one-sample / two-sample pooled / paired (rrcov::T2.test)
# ---------------------------------------------------------------------------------------
out$hotelling_one_sample <- list(
  formula = "T2 = N (xbar - mu0)' S_u^-1 (xbar - mu0); F = (N - p) / (p (N - 1)) T2 ~ F(p, N - p)",
  iris_setosa = htest_out(run("rrcov::T2.test(setosa, mu = c(5, 3.4, 1.5, 0.25))")),
  crabs_BM = htest_out(run("rrcov::T2.test(BM, mu = mu_crabs)")))
out$hotelling_two_sample_pooled <- list(
  formula = "S_p = ((N1-1) S1 + (N2-1) S2) / (N1 + N2 - 2); T2 = (N1 N2/(N1+N2)) d' S_p^-1 d, d = xbar1 - xbar2; F = (N1+N2-p-1)/(p (N1+N2-2)) T2 ~ F(p, N1+N2-p-1)",
  iris_setosa_vs_versicolor = htest_out(run("rrcov::T2.test(setosa, versicolor)")),
  crabs_BM_vs_BF = htest_out(run("rrcov::T2.test(BM, BF)")))
# hand check of the one-sample formula
hand_T2 <- function(x, mu0) { N <- nrow(x); d <- colMeans(x) - mu0; N * drop(t(d) %*% solve(cov(x), d)) }
checks[[length(checks) + 1]] <- check("T2.test one-sample T2 == hand formula",
                                      out$hotelling_one_sample$iris_setosa$statistic$T2, hand_T2(setosa, c(5, 3.4, 1.5, 0.25)), 1e-9)

paired_d <- setosa[, c("Sepal.Length", "Sepal.Width")] - setosa[, c("Petal.Length", "Petal.Width")]
colnames(paired_d) <- c("SL_minus_PL", "SW_minus_PW")
out$hotelling_paired <- list(
  description = "iris setosa: differences (Sepal.Length - Petal.Length, Sepal.Width - Petal.Width), one-sample T2 vs 0",
  iris_setosa = htest_out(run("rrcov::T2.test(setosa[, c('Sepal.Length', 'Sepal.Width')] - setosa[, c('Petal.Length', 'Petal.Width')], mu = c(0, 0))")))

# ---------------------------------------------------------------------------------------
# Two-sample, unequal covariances (implemented by hand; no package available)
# ---------------------------------------------------------------------------------------
# Both tests use T2 = d' (V1 + V2)^-1 d with V_i = S_i / N_i (S_i unbiased), d = xbar1 - xbar2,
# and refer F = T2 (nu - p + 1) / (p nu) to F(p, nu - p + 1).
#  * Nel & van der Merwe (1986):
#      nu = [tr(Se^2) + tr(Se)^2] / sum_i (1/(N_i-1)) [tr(V_i^2) + tr(V_i)^2],  Se = V1 + V2
#  * Krishnamoorthy & Yu (2004), modified Nel-van der Merwe:
#      nu = (p + p^2) / sum_i (1/(N_i-1)) [tr((V_i Se^-1)^2) + tr(V_i Se^-1)^2]
tr <- function(A) sum(diag(A))
unequal_cov_T2 <- function(x, y) {
  n1 <- nrow(x); n2 <- nrow(y); p <- ncol(x)
  V1 <- cov(x) / n1; V2 <- cov(y) / n2; Se <- V1 + V2
  d <- colMeans(x) - colMeans(y)
  T2 <- drop(t(d) %*% solve(Se, d))
  nu_nvm <- (tr(Se %*% Se) + tr(Se)^2) /
    ((tr(V1 %*% V1) + tr(V1)^2) / (n1 - 1) + (tr(V2 %*% V2) + tr(V2)^2) / (n2 - 1))
  Si <- solve(Se); A1 <- V1 %*% Si; A2 <- V2 %*% Si
  nu_ky <- (p + p^2) / ((tr(A1 %*% A1) + tr(A1)^2) / (n1 - 1) + (tr(A2 %*% A2) + tr(A2)^2) / (n2 - 1))
  res <- function(nu) {
    F <- T2 * (nu - p + 1) / (p * nu)
    list(T2 = T2, nu = nu, F = F, df1 = p, df2 = nu - p + 1,
         p.value = pf(F, p, nu - p + 1, lower.tail = FALSE))
  }
  list(nel_van_der_merwe = res(nu_nvm), krishnamoorthy_yu = res(nu_ky))
}
out$two_sample_unequal_cov <- list(
  formula = list(
    T2 = "T2 = d' (S1/N1 + S2/N2)^-1 d, S_i unbiased (divisor N_i - 1), d = xbar1 - xbar2",
    F = "F = T2 (nu - p + 1) / (p nu) ~ F(p, nu - p + 1)",
    nel_van_der_merwe = "nu = [tr(Se^2) + tr(Se)^2] / sum_i [tr(V_i^2) + tr(V_i)^2]/(N_i - 1); V_i = S_i/N_i, Se = V1 + V2 (Nel & van der Merwe 1986)",
    krishnamoorthy_yu = "nu = (p + p^2) / sum_i [tr((V_i Se^-1)^2) + tr(V_i Se^-1)^2]/(N_i - 1) (Krishnamoorthy & Yu 2004)"),
  iris_setosa_vs_versicolor = c(list(command = "unequal_cov_T2(setosa, versicolor)"), unequal_cov_T2(setosa, versicolor)),
  crabs_BM_vs_BF = c(list(command = "unequal_cov_T2(BM, BF)"), unequal_cov_T2(BM, BF)))

# ---------------------------------------------------------------------------------------
# MANOVA
# ---------------------------------------------------------------------------------------
manova_out <- function(fit_cmd, term) {
  fit <- eval(parse(text = fit_cmd), envir = globalenv())
  res <- list()
  for (tst in c("Wilks", "Pillai", "Hotelling-Lawley", "Roy")) {
    st <- summary(fit, test = tst)$stats
    res[[tst]] <- list(command = sprintf('summary(%s, test = "%s")$stats["%s", ]', fit_cmd, tst, term),
                       statistic = unname(st[term, 2]), approx_F = unname(st[term, "approx F"]),
                       num_Df = unname(st[term, "num Df"]), den_Df = unname(st[term, "den Df"]),
                       p.value = unname(st[term, "Pr(>F)"]), Df = unname(st[term, "Df"]))
  }
  res
}
out$manova <- list(
  note = "Roy: statistic = largest eigenvalue of E^-1 H, F is an upper bound (R's convention: F = lambda_max (den Df)/(num Df), num Df = max(p, q))",
  iris_species = manova_out("manova(cbind(Sepal.Length, Sepal.Width, Petal.Length, Petal.Width) ~ Species, data = iris)", "Species"),
  crabs_group = manova_out("manova(cbind(FL, RW, CL, CW, BD) ~ group, data = crabs)", "group"))

# ---------------------------------------------------------------------------------------
# Box's M (by hand; Box 1949, Rencher 2002 sec. 7.3.2)
# ---------------------------------------------------------------------------------------
# M  = (N - k) ln|S_pool| - sum_i (N_i - 1) ln|S_i|     (S_i unbiased, S_pool = sum (N_i-1) S_i/(N-k))
# c1 = [sum_i 1/(N_i-1) - 1/(N-k)] (2p^2 + 3p - 1) / (6 (p+1)(k-1))
# chi-square: M (1 - c1) ~ chi2(df), df = (k-1) p (p+1)/2
# c2 = [sum_i 1/(N_i-1)^2 - 1/(N-k)^2] (p-1)(p+2) / (6 (k-1))
# df1 = (k-1) p (p+1)/2, df2 = (df1 + 2)/|c2 - c1^2|
# if c2 > c1^2: b = (1 - c1 - df1/df2)/df1, F = b M
# if c2 < c1^2: b2 = (1 - c1 + 2/df2)/df2,  F = df2 b2 M / (df1 (1 - b2 M))
# F ~ F(df1, df2)
box_m <- function(x, g) {
  g <- factor(g); k <- nlevels(g); p <- ncol(x); N <- nrow(x)
  ni <- as.vector(table(g))
  Si <- lapply(levels(g), function(l) cov(x[g == l, , drop = FALSE]))
  Sp <- Reduce(`+`, Map(function(S, m) (m - 1) * S, Si, ni)) / (N - k)
  ldet <- function(A) as.numeric(determinant(A, logarithm = TRUE)$modulus)
  M <- (N - k) * ldet(Sp) - sum((ni - 1) * sapply(Si, ldet))
  c1 <- (sum(1 / (ni - 1)) - 1 / (N - k)) * (2 * p^2 + 3 * p - 1) / (6 * (p + 1) * (k - 1))
  df <- (k - 1) * p * (p + 1) / 2
  chi <- M * (1 - c1)
  c2 <- (sum(1 / (ni - 1)^2) - 1 / (N - k)^2) * (p - 1) * (p + 2) / (6 * (k - 1))
  df1 <- df
  df2 <- (df1 + 2) / abs(c2 - c1^2)
  if (c2 > c1^2) {
    b <- (1 - c1 - df1 / df2) / df1; F <- b * M; case <- "c2 > c1^2"
  } else {
    b2 <- (1 - c1 + 2 / df2) / df2; F <- df2 * b2 * M / (df1 * (1 - b2 * M)); case <- "c2 < c1^2"
  }
  list(M = M, c1 = c1, c2 = c2,
       chisq = list(statistic = chi, df = df, p.value = pchisq(chi, df, lower.tail = FALSE)),
       F = list(statistic = F, df1 = df1, df2 = df2, p.value = pf(F, df1, df2, lower.tail = FALSE), case = case),
       group_sizes = ni, k = k, p = p)
}
out$box_m <- list(
  formula = list(
    M = "M = (N-k) ln|S_pool| - sum_i (N_i-1) ln|S_i|, S_i unbiased, S_pool = sum_i (N_i-1) S_i / (N-k)",
    chisq = "M (1 - c1) ~ chi2((k-1)p(p+1)/2), c1 = [sum 1/(N_i-1) - 1/(N-k)] (2p^2+3p-1)/(6(p+1)(k-1))",
    F = "c2 = [sum 1/(N_i-1)^2 - 1/(N-k)^2] (p-1)(p+2)/(6(k-1)); df1 = (k-1)p(p+1)/2; df2 = (df1+2)/|c2-c1^2|; if c2 > c1^2: F = M (1 - c1 - df1/df2)/df1; else b2 = (1 - c1 + 2/df2)/df2, F = df2 b2 M/(df1 (1 - b2 M)); F ~ F(df1, df2)"),
  iris_species = c(list(command = "box_m(as.matrix(iris[, 1:4]), iris$Species)"), box_m(as.matrix(iris[, ivars]), iris$Species)),
  crabs_group = c(list(command = "box_m(as.matrix(crabs[, c('FL','RW','CL','CW','BD')]), interaction(crabs$sp, crabs$sex))"),
                  box_m(as.matrix(crabs[, cvars]), crabs$group)))

# ---------------------------------------------------------------------------------------
# H0: Sigma = Sigma0 (mean unknown), Sigma0 = diag(ML sample variances of the group)
# ---------------------------------------------------------------------------------------
cov_test <- function(x, Sigma0) {
  N <- nrow(x); p <- ncol(x)
  Sn <- crossprod(sweep(x, 2, colMeans(x))) / N
  Su <- cov(x)
  A <- solve(Sigma0, Sn); Au <- solve(Sigma0, Su)
  ldet <- function(B) as.numeric(determinant(B, logarithm = TRUE)$modulus)
  lr <- N * (tr(A) - ldet(A) - p)
  lr_u <- (N - 1) * (tr(Au) - ldet(Au) - p)
  corr <- 1 - (2 * p + 1 - 2 / (p + 1)) / (6 * (N - 1))
  df <- p * (p + 1) / 2
  list(Sigma0 = mat(Sigma0),
       LR = lr, df = df, p.value = pchisq(lr, df, lower.tail = FALSE),
       LR_n_minus_1_form = lr_u, bartlett_factor = corr,
       LR_bartlett = lr_u * corr, p.value_bartlett = pchisq(lr_u * corr, df, lower.tail = FALSE))
}
diag_ml <- function(x) diag(colMeans(sweep(x, 2, colMeans(x))^2))
out$cov_test_sigma0 <- list(
  formula = list(
    LR = "-2 ln lambda = N [tr(Sigma0^-1 S_n) - ln|Sigma0^-1 S_n| - p] ~ chi2(p(p+1)/2), S_n divisor N",
    LR_n_minus_1_form = "(N-1) [tr(Sigma0^-1 S_u) - ln|Sigma0^-1 S_u| - p], S_u divisor N-1",
    LR_bartlett = "LR_n_minus_1_form * (1 - (2p + 1 - 2/(p+1)) / (6 (N-1)))  [Anderson 2003 sec 10.8 factor (2p^2+3p-1)/(6(N-1)(p+1)); note Rencher 2002 eq. 7.4 uses 6(N-1)-1 instead of 6(N-1)]",
    Sigma0 = "diag(S_n): the group's ML (divisor N) variances; with this Sigma0, LR = -N ln|R| (R = sample correlation)"),
  iris_setosa = c(list(command = "cov_test(setosa, diag(colMeans(sweep(setosa, 2, colMeans(setosa))^2)))"), cov_test(setosa, diag_ml(setosa))),
  crabs_BM = c(list(command = "cov_test(BM, diag(colMeans(sweep(BM, 2, colMeans(BM))^2)))"), cov_test(BM, diag_ml(BM))))
checks[[length(checks) + 1]] <- check("cov_test LR with diag(S_n) target == -N ln|R| (setosa)",
                                      out$cov_test_sigma0$iris_setosa$LR, -50 * log(det(cor(setosa))), 1e-10)

# ---------------------------------------------------------------------------------------
# Sphericity (Mauchly)
# ---------------------------------------------------------------------------------------
sphericity <- function(x, cmd) {
  mt <- eval(parse(text = cmd), envir = globalenv())
  N <- nrow(x); p <- ncol(x); n <- N - 1
  S <- cov(x)
  W <- det(S) / (tr(S) / p)^p
  rho <- 1 - (2 * p^2 + p + 2) / (6 * p * n)
  z <- -n * rho * log(W)
  f <- p * (p + 1) / 2 - 1
  w2 <- (p + 2) * (p - 1) * (p - 2) * (2 * p^3 + 6 * p^2 + 3 * p + 2) / (288 * (n * p * rho)^2)
  Pr1 <- pchisq(z, f, lower.tail = FALSE); Pr2 <- pchisq(z, f + 4, lower.tail = FALSE)
  list(command = cmd, W = unname(mt$statistic), p.value = mt$p.value,
       hand = list(W = W, chisq = z, df = f, p.value_chisq = Pr1, w2 = w2,
                   p.value_refined = Pr1 + w2 * (Pr2 - Pr1), LR_uncorrected = -N * log(W)))
}
out$sphericity <- list(
  tests = "H0: Sigma = sigma^2 I for the raw variables (mauchly.test defaults M = diag(p), X = ~0, so T = I)",
  formula = list(
    W = "W = |S| / (tr(S)/p)^p (divisor-free)",
    chisq = "z = -n rho ln W, n = N - 1, rho = 1 - (2p^2 + p + 2)/(6 p n), df f = p(p+1)/2 - 1, p.value_chisq = P(chi2_f > z)",
    p.value = "mauchly.test p-value = Pr1 + w2 (Pr2 - Pr1), Pr1 = P(chi2_f > z), Pr2 = P(chi2_{f+4} > z), w2 = (p+2)(p-1)(p-2)(2p^3+6p^2+3p+2)/(288 (n p rho)^2)",
    LR_uncorrected = "-N ln W (= -2 ln lambda)"),
  iris_setosa = sphericity(setosa, "mauchly.test(lm(setosa ~ 1))"),
  crabs_BM = sphericity(BM, "mauchly.test(lm(BM ~ 1))"))
for (nm in c("iris_setosa", "crabs_BM")) {
  s <- out$sphericity[[nm]]
  checks[[length(checks) + 1]] <- check(paste("mauchly W/p == hand", nm), c(s$W, s$p.value), c(s$hand$W, s$hand$p.value_refined), 1e-12)
}

# ---------------------------------------------------------------------------------------
# Independence: complete (Bartlett) and block (by hand)
# ---------------------------------------------------------------------------------------
bart <- function(cmd) { r <- eval(parse(text = cmd), envir = globalenv())
  list(command = cmd, chisq = r$chisq, df = r$df, p.value = r$p.value) }
out$independence <- list(
  formula = "chisq = -(N - 1 - (2p+5)/6) ln|R|, df = p(p-1)/2 (psych::cortest.bartlett)",
  iris_setosa = bart("psych::cortest.bartlett(cor(setosa), n = nrow(setosa))"),
  crabs_BM = bart("psych::cortest.bartlett(cor(BM), n = nrow(BM))"))

block_indep <- function(x, blocks) {
  N <- nrow(x); p <- ncol(x); S <- cov(x)
  pk <- sapply(blocks, length)
  ldet <- function(B) as.numeric(determinant(B, logarithm = TRUE)$modulus)
  lnV <- ldet(S) - sum(sapply(blocks, function(b) ldet(S[b, b, drop = FALSE])))
  a2 <- p^2 - sum(pk^2); a3 <- p^3 - sum(pk^3)
  m <- N - 3 / 2 - a3 / (3 * a2)
  stat <- -m * lnV
  df <- a2 / 2
  list(V = exp(lnV), LR_uncorrected = -N * lnV, multiplier = m, statistic = stat, df = df,
       p.value = pchisq(stat, df, lower.tail = FALSE))
}
out$block_independence <- list(
  formula = paste("V = |S| / prod_k |S_kk| (divisor-free); statistic = -(N - 3/2 - (p^3 - sum p_k^3)/(3 (p^2 - sum p_k^2))) ln V",
                  "~ chi2(df), df = (p^2 - sum p_k^2)/2  [Anderson 2003 sec 9.4 with Box's correction;",
                  "equivalently Rencher 2002 sec 7.4.2: -nu c ln V, nu = N-1, c = 1 - (2 a3 + 3 a2)/(12 f nu)]; LR_uncorrected = -N ln V"),
  iris_setosa = c(list(command = "block_indep(setosa, list(1:2, 3:4))", blocks = list(ivars[1:2], ivars[3:4])),
                  block_indep(setosa, list(1:2, 3:4))),
  crabs_BM = c(list(command = "block_indep(BM, list(1:2, 3:5))", blocks = list(cvars[1:2], cvars[3:5])),
               block_indep(BM, list(1:2, 3:5))))
checks[[length(checks) + 1]] <- check("block_indep with singleton blocks == cortest.bartlett (setosa)",
                                      block_indep(setosa, as.list(1:4))$statistic, out$independence$iris_setosa$chisq, 1e-10)
checks[[length(checks) + 1]] <- check("block_indep with singleton blocks == cortest.bartlett (crabs B.M)",
                                      block_indep(BM, as.list(1:5))$statistic, out$independence$crabs_BM$chisq, 1e-10)

# ---------------------------------------------------------------------------------------
# Multivariate normality
# ---------------------------------------------------------------------------------------
mardia_out <- function(x, cmd) {
  m <- eval(parse(text = cmd), envir = globalenv())
  N <- nrow(x)
  list(command = cmd, n = m$n.obs, p = m$n.var, b1p = m$b1p, b2p = m$b2p, skew = m$skew,
       small.skew = m$small.skew, kurtosis = m$kurtosis, p.skew = m$p.skew, p.small = m$p.small,
       p.kurt = m$p.kurt,
       divisor_n_versions = mardia_divisor_n(x))
}
# Mardia's original definitions, computed directly with S_n (divisor N): since
# S_n^-1 = N/(N-1) S_u^-1, they equal psych's b1p (N/(N-1))^3 and b2p (N/(N-1))^2 (checked).
mardia_divisor_n <- function(x) {
  x <- as.matrix(x); N <- nrow(x)
  xc <- sweep(x, 2, colMeans(x))
  D <- xc %*% solve(crossprod(xc) / N, t(xc))
  list(b1p = sum(D^3) / N^2, b2p = sum(diag(D)^2) / N,
       note = "Mardia's original definitions with S_n (divisor N), computed directly")
}
out$mardia <- list(
  convention = paste("psych::mardia uses S_u = cov(x) (divisor N-1) in D = Xc S_u^-1 Xc';",
                     "b1p = sum(D^3)/N^2, b2p = tr(D^2)/N; skew = N b1p/6 ~ chi2(p(p+1)(p+2)/6);",
                     "small.skew = N k b1p/6, k = (p+1)(N+1)(N+3)/(N((N+1)(p+1)-6));",
                     "kurtosis = (b2p - p(p+2)) sqrt(N/(8p(p+2))), p.kurt two-sided normal"),
  iris_setosa = mardia_out(setosa, "psych::mardia(setosa, plot = FALSE)"),
  crabs_BM = mardia_out(BM, "psych::mardia(BM, plot = FALSE)"))
for (nm in c("iris_setosa", "crabs_BM")) {
  mo <- out$mardia[[nm]]
  checks[[length(checks) + 1]] <- check(paste("Mardia divisor-N versions == psych's times (N/(N-1))^3, ^2", nm),
    c(mo$divisor_n_versions$b1p, mo$divisor_n_versions$b2p),
    c(mo$b1p * (mo$n / (mo$n - 1))^3, mo$b2p * (mo$n / (mo$n - 1))^2), 1e-10)
}

# Henze-Zirkler (1990): S_n (divisor N), beta = (1/sqrt(2)) ((2p+1) N / 4)^(1/(p+4))
#   D_jk = (x_j - x_k)' S_n^-1 (x_j - x_k),  D_j = (x_j - xbar)' S_n^-1 (x_j - xbar)
#   HZ = (1/N) sum_j sum_k exp(-beta^2/2 D_jk) - 2 (1+beta^2)^(-p/2) sum_j exp(-beta^2/(2(1+beta^2)) D_j)
#        + N (1 + 2 beta^2)^(-p/2)
#   p-value: HZ ~ lognormal with mean mu and variance s2 (Henze & Zirkler 1990, as in MVN::hz)
#   a = 1 + 2 beta^2, w = (1 + beta^2)(1 + 3 beta^2)
#   mu = 1 - a^(-p/2) (1 + p beta^2/a + p(p+2) beta^4/(2 a^2))
#   s2 = 2 (1 + 4 beta^2)^(-p/2) + 2 a^(-p) (1 + 2 p beta^4/a^2 + 3 p (p+2) beta^8/(4 a^4))
#        - 4 w^(-p/2) (1 + 3 p beta^4/(2 w) + p (p+2) beta^8/(2 w^2))
#   meanlog = log(mu^2/sqrt(s2 + mu^2)), sdlog = sqrt(log((s2 + mu^2)/mu^2)); p = 1 - plnorm(HZ)
henze_zirkler <- function(x) {
  N <- nrow(x); p <- ncol(x)
  xc <- sweep(x, 2, colMeans(x))
  Sn <- crossprod(xc) / N
  Si <- solve(Sn)
  Dj <- rowSums((xc %*% Si) * xc)
  G <- xc %*% Si %*% t(xc)
  Djk <- outer(diag(G), diag(G), "+") - 2 * G
  b <- (1 / sqrt(2)) * ((2 * p + 1) * N / 4)^(1 / (p + 4))
  HZ <- sum(exp(-b^2 / 2 * Djk)) / N - 2 * (1 + b^2)^(-p / 2) * sum(exp(-b^2 / (2 * (1 + b^2)) * Dj)) +
    N * (1 + 2 * b^2)^(-p / 2)
  a <- 1 + 2 * b^2; w <- (1 + b^2) * (1 + 3 * b^2)
  mu <- 1 - a^(-p / 2) * (1 + p * b^2 / a + p * (p + 2) * b^4 / (2 * a^2))
  s2 <- 2 * (1 + 4 * b^2)^(-p / 2) + 2 * a^(-p) * (1 + 2 * p * b^4 / a^2 + 3 * p * (p + 2) * b^8 / (4 * a^4)) -
    4 * w^(-p / 2) * (1 + 3 * p * b^4 / (2 * w) + p * (p + 2) * b^8 / (2 * w^2))
  meanlog <- log(mu^2 / sqrt(s2 + mu^2)); sdlog <- sqrt(log((s2 + mu^2) / mu^2))
  list(statistic = HZ, beta = b, lognormal_mean = mu, lognormal_var = s2, meanlog = meanlog, sdlog = sdlog,
       p.value = plnorm(HZ, meanlog, sdlog, lower.tail = FALSE))
}

# Doornik & Hansen (2008) omnibus test:
#   xc = centred data, S = cov (divisor irrelevant), V = diag(S)^-1/2, C = V S V = H L H',
#   y_i = H L^-1/2 H' V xc_i (symmetric inverse square root), per column j of Y:
#   sqrt(b1) = m3/m2^(3/2), b2 = m4/m2^2 (moments with divisor N), b1 = sqrt(b1)^2.
#   Skewness (D'Agostino 1970):  beta = 3(N^2+27N-70)(N+1)(N+3)/((N-2)(N+5)(N+7)(N+9)),
#     w2 = -1 + sqrt(2(beta-1)), delta = 1/sqrt(log(sqrt(w2))),
#     y = sqrt(b1) sqrt((w2-1)(N+1)(N+3)/(12(N-2))), z1 = delta log(y + sqrt(y^2+1))
#   Kurtosis (Shenton & Bowman 1977 gamma approximation, as in DH 2008 eq. (3)):
#     d = (N-3)(N+1)(N^2+15N-4), a = (N-2)(N+5)(N+7)(N^2+27N-70)/(6d),
#     c = (N-7)(N+5)(N+7)(N^2+2N-5)/(6d), k = (N+5)(N+7)(N^3+37N^2+11N-313)/(12d),
#     alpha = a + b1 c, chi = (b2 - 1 - b1) 2k, z2 = ((chi/(2 alpha))^(1/3) - 1 + 1/(9 alpha)) sqrt(9 alpha)
#   E = z1'z1 + z2'z2 ~ chi2(2p)
doornik_hansen <- function(x) {
  N <- nrow(x); p <- ncol(x)
  xc <- sweep(x, 2, colMeans(x))
  S <- crossprod(xc) / N
  V <- diag(1 / sqrt(diag(S)))
  C <- V %*% S %*% V
  e <- eigen(C, symmetric = TRUE)
  Cmh <- e$vectors %*% diag(1 / sqrt(e$values)) %*% t(e$vectors)
  Y <- xc %*% V %*% Cmh            # rows y_i' = (H L^-1/2 H' V xc_i)'
  m2 <- colMeans(Y^2); m3 <- colMeans(Y^3); m4 <- colMeans(Y^4)
  rb1 <- m3 / m2^1.5; b1 <- rb1^2; b2 <- m4 / m2^2
  beta <- 3 * (N^2 + 27 * N - 70) * (N + 1) * (N + 3) / ((N - 2) * (N + 5) * (N + 7) * (N + 9))
  w2 <- -1 + sqrt(2 * (beta - 1))
  delta <- 1 / sqrt(log(sqrt(w2)))
  y <- rb1 * sqrt((w2 - 1) * (N + 1) * (N + 3) / (12 * (N - 2)))
  z1 <- delta * log(y + sqrt(y^2 + 1))
  d <- (N - 3) * (N + 1) * (N^2 + 15 * N - 4)
  a <- (N - 2) * (N + 5) * (N + 7) * (N^2 + 27 * N - 70) / (6 * d)
  c <- (N - 7) * (N + 5) * (N + 7) * (N^2 + 2 * N - 5) / (6 * d)
  k <- (N + 5) * (N + 7) * (N^3 + 37 * N^2 + 11 * N - 313) / (12 * d)
  alpha <- a + b1 * c
  chi <- (b2 - 1 - b1) * 2 * k
  z2 <- ((chi / (2 * alpha))^(1 / 3) - 1 + 1 / (9 * alpha)) * sqrt(9 * alpha)
  E <- sum(z1^2) + sum(z2^2)
  list(statistic = E, df = 2 * p, p.value = pchisq(E, 2 * p, lower.tail = FALSE),
       sqrt_b1 = rb1, b2 = b2, z1 = z1, z2 = z2)
}
energy_out <- function(cmd) {
  set.seed(20240101)
  r <- eval(parse(text = cmd), envir = globalenv())
  list(command = paste0("set.seed(20240101); ", cmd), statistic = unname(r$statistic), p.value = r$p.value,
       note = "p-value is a parametric-bootstrap p-value (depends on the seed and RNG); the statistic is deterministic")
}
out$normality <- list(
  henze_zirkler_formula = "see comments in tests.R: S_n divisor N, beta = (1/sqrt(2))((2p+1)N/4)^(1/(p+4)), lognormal p-value (Henze & Zirkler 1990)",
  doornik_hansen_formula = "see comments in tests.R: symmetric C^-1/2 transform, D'Agostino skewness and Shenton-Bowman kurtosis transforms, E ~ chi2(2p) (Doornik & Hansen 2008)",
  iris_setosa = list(henze_zirkler = c(list(command = "henze_zirkler(setosa)"), henze_zirkler(setosa)),
                     doornik_hansen = c(list(command = "doornik_hansen(setosa)"), doornik_hansen(setosa)),
                     energy = energy_out("energy::mvnorm.etest(setosa, R = 999)")),
  crabs_BM = list(henze_zirkler = c(list(command = "henze_zirkler(BM)"), henze_zirkler(BM)),
                  doornik_hansen = c(list(command = "doornik_hansen(BM)"), doornik_hansen(BM)),
                  energy = energy_out("energy::mvnorm.etest(BM, R = 999)")))

# ---------------------------------------------------------------------------------------
# Correlations with delta-method SEs (lavaan) and Fisher-z intervals (psych)
# ---------------------------------------------------------------------------------------
sat_model <- function(v) {
  pr <- t(combn(v, 2))
  paste(paste(paste0(v, " ~ 1"), collapse = "\n"),
        paste(paste0(v, " ~~ ", v), collapse = "\n"),
        paste(paste0(pr[, 1], " ~~ ", pr[, 2]), collapse = "\n"), sep = "\n")
}
m_iris <- sat_model(ivars)
m_air <- sat_model(c("Ozone", "Solar.R", "Wind", "Temp"))
air <- datasets::airquality
std_out <- function(cmd) {
  fit <- eval(parse(text = cmd), envir = globalenv())
  ss <- standardizedSolution(fit, type = "std.all")
  ss <- ss[ss$op == "~~" & ss$lhs != ss$rhs, ]
  list(command = paste0("standardizedSolution(", cmd, ", type = 'std.all') rows with op '~~' and lhs != rhs"),
       logLik = as.numeric(fitMeasures(fit, "logl")),
       correlations = lapply(seq_len(nrow(ss)), function(i)
         list(lhs = ss$lhs[i], rhs = ss$rhs[i], est = ss$est.std[i], se = ss$se[i],
              ci.lower = ss$ci.lower[i], ci.upper = ss$ci.upper[i])))
}
out$correlations <- list(
  convention = paste("lavaan std.all correlation = sigma_ij/sqrt(sigma_ii sigma_jj) of the ML estimates; SE by the delta method",
                     "from the parameter covariance of the fit; ci = est -/+ qnorm(0.975) se (Wald, untransformed)"),
  iris_expected = std_out('lavaan::lavaan(m_iris, data = iris, estimator = "ML", likelihood = "normal", meanstructure = TRUE, information = "expected")'),
  iris_robust_huber_white = std_out('lavaan::lavaan(m_iris, data = iris, estimator = "ML", likelihood = "normal", meanstructure = TRUE, information = "expected", se = "robust.huber.white")'),
  airquality_fiml_observed = std_out('lavaan::lavaan(m_air, data = air, estimator = "ML", likelihood = "normal", meanstructure = TRUE, missing = "ml", information = "observed")'))
out$correlations$iris_robust_huber_white$note <- "sandwich: bread = expected information, meat = sum of casewise score outer products (no small-sample factor)"
# check: for complete normal data with expected information, delta-method SE of r = (1 - r^2)/sqrt(N)
ce <- out$correlations$iris_expected$correlations
checks[[length(checks) + 1]] <- check("iris expected delta-method SE == (1 - r^2)/sqrt(N)",
                                      sapply(ce, `[[`, "se"), sapply(ce, function(z) (1 - z$est^2) / sqrt(150)), 1e-6)
ct <- psych::corr.test(iris[, ivars])
ci <- ct$ci
out$correlations$iris_fisher_z <- list(
  command = "psych::corr.test(iris[, 1:4])$ci",
  convention = "lower/upper = tanh(atanh(r) -/+ qnorm(0.975)/sqrt(N - 3)), N = 150; p from t = r sqrt((N-2)/(1-r^2))",
  pairs = lapply(seq_len(nrow(ci)), function(i) list(pair = rownames(ci)[i], lower = ci$lower[i], r = ci$r[i],
                                                    upper = ci$upper[i], p = ci$p[i])),
  pair_order = "upper triangle by rows: (SL,SW), (SL,PL), (SL,PW), (SW,PL), (SW,PW), (PL,PW)")
r12 <- cor(iris[, 1], iris[, 2])
checks[[length(checks) + 1]] <- check("corr.test Fisher CI (SL,SW) == tanh(atanh(r) -/+ 1.96/sqrt(147))",
                                      c(ci$lower[1], ci$upper[1]), tanh(atanh(r12) + c(-1, 1) * qnorm(0.975) / sqrt(147)), 1e-12)

out$checks <- checks
write_ref(out, "tests.json")
message("failed checks: ", sum(!sapply(checks, `[[`, "ok")))
