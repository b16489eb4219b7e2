// The statistics module (core/stats) against known answers: Student's t, the incomplete beta
// function and the t-tests against scipy, the group bootstrap against the loop that
// `kgpert report` ran before it moved here.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/stats.hpp"

namespace st = kg::stats;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// |actual - expected| <= rel * |expected| (exact equality for 0 and infinities).
::testing::AssertionResult near_rel(double actual, double expected, double rel) {
  if (actual == expected || std::abs(actual - expected) <= rel * std::abs(expected))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << actual << " is not " << expected << " (relative error "
                                       << std::abs(actual - expected) / std::abs(expected) << " > " << rel << ")";
}

// Reference values: the output of tests/core/stats_reference.py (scipy 1.17.1, numpy 2.4.6),
// each table headed by the scipy calls that made its columns.
// kTDist: df, t, stats.t.cdf(t, df), stats.t.sf(t, df), 2 * stats.t.sf(abs(t), df), stats.t.pdf(t, df)
const std::vector<std::array<double, 6>> kTDist = {
    {0.050000000000000003, -40, 0.37300991484977924, 0.62699008515022081, 0.74601982969955849, 0.00046625493069789835},
    {0.050000000000000003, -3, 0.42455763600798263, 0.57544236399201742, 0.84911527201596526, 0.0070559102726179303},
    {0.050000000000000003, -0.5, 0.46327503304254003, 0.53672496695745997, 0.92655006608508006, 0.042199265776427533},
    {0.050000000000000003, 0.10000000000000001, 0.51046281131211058, 0.48953718868788942, 0.97907437737577885, 0.098234524437414594},
    {0.050000000000000003, 1.96, 0.56635062907822253, 0.43364937092177752, 0.86729874184355504, 0.010989457435758711},
    {0.050000000000000003, 4, 0.58149255161272428, 0.41850744838727566, 0.83701489677455132, 0.005222989577383646},
    {0.050000000000000003, 12, 0.60384735844017223, 0.39615264155982782, 0.79230528311965565, 0.0016503425256197629},
    {1, -40, 0.007956089912025812, 0.99204391008797421, 0.015912179824051624, 0.00019881941672941338},
    {1, -3, 0.10241638234956672, 0.89758361765043326, 0.20483276469913345, 0.031830988618379068},
    {1, -0.5, 0.35241638234956674, 0.64758361765043326, 0.70483276469913347, 0.2546479089470326},
    {1, 0.10000000000000001, 0.53172551743055352, 0.46827448256944648, 0.93654896513889296, 0.31515830315226806},
    {1, 1.96, 0.84982855411198344, 0.15017144588801656, 0.30034289177603313, 0.065744771601080387},
    {1, 4, 0.92202086962263063, 0.077979130377369324, 0.15595826075473865, 0.018724110951987689},
    {1, 12, 0.97353532394041009, 0.026464676059589878, 0.052929352119179755, 0.0021952405943709711},
    {2.5, -40, 7.0978171452466899e-05, 0.99992902182854748, 0.0001419563429049338, 4.430752414491526e-06},
    {2.5, -3, 0.036288047774515914, 0.96371195222548411, 0.072576095549031827, 0.025041066931393095},
    {2.5, -0.5, 0.32884895993485741, 0.67115104006514259, 0.65769791986971482, 0.30622584058582947},
    {2.5, 0.10000000000000001, 0.53609672796875518, 0.46390327203124487, 0.92780654406248975, 0.35928992327836762},
    {2.5, 1.96, 0.918526217763593, 0.081473782236407027, 0.16294756447281405, 0.070962036499882308},
    {2.5, 4, 0.98049351207934088, 0.019506487920659125, 0.03901297584131825, 0.01089741587188146},
    {2.5, 12, 0.99858189248496088, 0.0014181075150391622, 0.0028362150300783244, 0.00029151318766883487},
    {7, -40, 7.9510899924251819e-10, 0.99999999920489102, 1.5902179984850364e-09, 1.3860526854567165e-10},
    {7, -3, 0.009971063065996268, 0.99002893693400373, 0.019942126131992536, 0.014104682517216086},
    {7, -0.5, 0.31620356784464221, 0.68379643215535779, 0.63240713568928442, 0.33457325335016502},
    {7, 0.10000000000000001, 0.53842597019760374, 0.4615740298023962, 0.9231480596047924, 0.38279933426055079},
    {7, 1.96, 0.95459015231590949, 0.045409847684090558, 0.090819695368181116, 0.066906717840919422},
    {7, 4, 0.99740504332535163, 0.0025949566746484064, 0.0051899133492968128, 0.0033031774237809114},
    {7, 12, 0.9999968208448109, 3.1791551890925489e-06, 6.3583103781850978e-06, 1.778015147313673e-06},
    {30, -40, 6.8630225972032086e-28, 1, 1.3726045194406417e-27, 5.0554892861733033e-28},
    {30, -3, 0.0026949820328259727, 0.99730501796717408, 0.0053899640656519454, 0.006779062746093082},
    {30, -0.5, 0.31036150244256361, 0.68963849755743634, 0.62072300488512722, 0.34787857969720376},
    {30, 0.10000000000000001, 0.53949519410486446, 0.46050480589513559, 0.92100961179027119, 0.39359369563267838},
    {30, 1.96, 0.9703288435519748, 0.029671156448025246, 0.059342312896050492, 0.061119852876620695},
    {30, 4, 0.99980907718195811, 0.00019092281804187819, 0.00038184563608375637, 0.0005247164401974069},
    {30, 12, 0.999999999999721, 2.7900927075996303e-13, 5.5801854151992606e-13, 5.8097536067160789e-13},
    {1000, -40, 5.2394260775866361e-210, 1, 1.0478852155173272e-209, 8.0656771237490304e-209},
    {1000, -3, 0.0013833545221190963, 0.99861664547788087, 0.0027667090442381925, 0.0045006246101381908},
    {1000, -0.5, 0.30859254041693734, 0.6914074595830626, 0.61718508083387469, 0.35193883061578046},
    {1000, 0.10000000000000001, 0.53981781548819796, 0.46018218451180204, 0.92036436902360408, 0.39685134742975142},
    {1000, 1.96, 0.97486340752212564, 0.025136592477874368, 0.050273184955748736, 0.058529428361471549},
    {1000, 4, 0.99996599504039563, 3.4004959604390817e-05, 6.8009919208781634e-05, 0.00014141668881696487},
    {1000, 12, 1, 2.1620286933872145e-31, 4.3240573867744291e-31, 2.2833697933661476e-30},
    {100000, -40, 0, 1, 0, 0},
    {100000, -3, 0.0013502304420323617, 0.99864976955796769, 0.0027004608840647234, 0.0044325353568058588},
    {100000, -0.5, 0.30853808882720896, 0.6914619111727911, 0.61707617765441791, 0.35206406153226322},
    {100000, 0.10000000000000001, 0.53982773704663689, 0.46017226295336316, 0.92034452590672633, 0.39695153534854505},
    {100000, 1.96, 0.97500071840284919, 0.024999281597150841, 0.049998563194301682, 0.058441831833164308},
    {100000, 4, 0.99996830600122144, 3.1693998778597706e-05, 6.3387997557195412e-05, 0.00013390484863400835},
    {100000, 12, 1, 1.8722529059782093e-33, 3.7445058119564187e-33, 2.2588430282390365e-32},
};
// kTQuantile: df, p, stats.t.ppf(p, df)
const std::vector<std::array<double, 3>> kTQuantile = {
    {0.050000000000000003, 0.001, -1.0876044676001868e+53},
    {0.050000000000000003, 0.025000000000000001, -1.1958337585475397e+25},
    {0.050000000000000003, 0.29999999999999999, -3119.2191460329332},
    {0.050000000000000003, 0.59999999999999998, 9.8904104993682349},
    {0.050000000000000003, 0.97499999999999998, 1.1958337585475138e+25},
    {0.050000000000000003, 0.99999899999999997, 1.0876044669746815e+113},
    {1, 1e-10, -3183098861.8379064},
    {1, 0.001, -318.30883898555044},
    {1, 0.025000000000000001, -12.706204736174705},
    {1, 0.29999999999999999, -0.7265425280053609},
    {1, 0.59999999999999998, 0.32491969623290634},
    {1, 0.97499999999999998, 12.706204736174694},
    {1, 0.99999899999999997, 318309.88617359026},
    {2.5, 1e-10, -8765.4377713645717},
    {2.5, 0.001, -13.822193110865964},
    {2.5, 0.025000000000000001, -3.5746548420036834},
    {2.5, 0.29999999999999999, -0.59730773825231798},
    {2.5, 0.59999999999999998, 0.28145951274854769},
    {2.5, 0.97499999999999998, 3.5746548420036817},
    {2.5, 0.99999899999999997, 220.17342917570426},
    {7, 1e-10, -53.835579484673737},
    {7, 0.001, -4.785289628638334},
    {7, 0.025000000000000001, -2.3646242515927844},
    {7, 0.29999999999999999, -0.54910965794728539},
    {7, 0.59999999999999998, 0.26316686135202288},
    {7, 0.97499999999999998, 2.364624251592784},
    {7, 0.99999899999999997, 14.241469651921154},
    {30, 1e-10, -9.377489780407144},
    {30, 0.001, -3.385184866829305},
    {30, 0.025000000000000001, -2.0422724563012382},
    {30, 0.29999999999999999, -0.53001900390650458},
    {30, 0.59999999999999998, 0.25560536495191277},
    {30, 0.97499999999999998, 2.0422724563012378},
    {30, 0.99999899999999997, 5.8711171204086243},
    {1000, 1e-10, -6.4278762831342133},
    {1000, 0.001, -3.0984021639129233},
    {1000, 0.025000000000000001, -1.9623390808264085},
    {1000, 0.29999999999999999, -0.52456770730922697},
    {1000, 0.59999999999999998, 0.25341451583949876},
    {1000, 0.97499999999999998, 1.9623390808264083},
    {1000, 0.99999899999999997, 4.7816086204524391},
    {100000, 1e-10, -6.3620004198436924},
    {100000, 0.001, -3.0903138094272382},
    {100000, 0.025000000000000001, -1.9599877075346099},
    {100000, 0.29999999999999999, -0.52440218423354568},
    {100000, 0.59999999999999998, 0.25334777715718015},
    {100000, 0.97499999999999998, 1.9599877075346095},
    {100000, 0.99999899999999997, 4.7537047163854762},
};
// kNormal: t, stats.norm.cdf(t), stats.norm.sf(t), stats.norm.pdf(t) (df = inf)
const std::vector<std::array<double, 4>> kNormal = {
    {-40, 0, 1, 0},
    {-3, 0.0013498980316300933, 0.9986501019683699, 0.0044318484119380075},
    {-0.5, 0.30853753872598688, 0.69146246127401312, 0.35206532676429947},
    {0.10000000000000001, 0.53982783727702899, 0.46017216272297101, 0.39695254747701181},
    {1.96, 0.97500210485177952, 0.024997895148220435, 0.058440944333451476},
    {4, 0.99996832875816688, 3.1671241833119863e-05, 0.00013383022576488537},
    {12, 1, 1.776482112077653e-33, 2.1463837356630605e-32},
};
// kNormalQuantile: p, stats.norm.ppf(p) (df = inf)
const std::vector<std::array<double, 2>> kNormalQuantile = {
    {1e-10, -6.3613409024040557},
    {0.001, -3.0902323061678132},
    {0.025000000000000001, -1.9599639845400545},
    {0.29999999999999999, -0.52440051270804089},
    {0.59999999999999998, 0.25334710313579972},
    {0.97499999999999998, 1.959963984540054},
    {0.99999899999999997, 4.7534243088170873},
};
// kBeta: a, b, x, special.betainc(a, b, x)
const std::vector<std::array<double, 4>> kBeta = {
    {0.5, 0.5, 0.20000000000000001, 0.29516723530086653},
    {2, 3, 0.40000000000000002, 0.52479999999999993},
    {10, 0.5, 0.94999999999999996, 0.31715157546554495},
    {0.5, 10, 0.01, 0.34207182484321541},
    {150, 200, 0.45000000000000001, 0.79151219914037463},
    {3.5, 1.25, 0.999, 0.9992177663912517},
};

// Samples of the t-tests (stats_reference.py: A, B, C).
const std::vector<double> kA = {0.61, 0.58, 0.72, 0.66, 0.69, 0.55, 0.63};
const std::vector<double> kB = {0.52, 0.57, 0.60, 0.61, 0.70, 0.49, 0.59};
const std::vector<double> kC = {0.48, 0.71, 0.39, 0.66, 0.52};

}  // namespace

TEST(Stats, MeanAndSampleSdMatchNumpy) {
  // np.mean(A), np.std(A, ddof=1); the same for C
  EXPECT_TRUE(near_rel(st::mean(kA), 0.63428571428571423, 1e-15));
  EXPECT_TRUE(near_rel(st::sd(kA), 0.060237624692308603, 1e-13));
  EXPECT_TRUE(near_rel(st::mean(kC), 0.55200000000000005, 1e-15));
  EXPECT_TRUE(near_rel(st::sd(kC), 0.13141537200799608, 1e-13));
  const st::Summary s = st::summarize(kC);
  EXPECT_EQ(s.n, 5);
  EXPECT_EQ(s.mean, st::mean(kC));
  EXPECT_EQ(s.sd, st::sd(kC));
}

TEST(Stats, MeanAndSdOfTooFewValuesAreNaN) {
  EXPECT_TRUE(std::isnan(st::mean({})));
  EXPECT_TRUE(std::isnan(st::sd({})));
  const std::vector<double> one = {0.3};
  EXPECT_EQ(st::mean(one), 0.3);
  EXPECT_TRUE(std::isnan(st::sd(one)));
  EXPECT_TRUE(std::isnan(st::summarize(one).sd));
  EXPECT_EQ(st::summarize({}).n, 0);
}

TEST(Stats, IncompleteBetaMatchesScipyBetainc) {
  for (const auto& [a, b, x, want] : kBeta)
    EXPECT_TRUE(near_rel(st::incomplete_beta(a, b, x), want, 1e-12)) << a << " " << b << " " << x;
  EXPECT_EQ(st::incomplete_beta(2, 3, 0), 0);
  EXPECT_EQ(st::incomplete_beta(2, 3, 1), 1);
  const std::vector<std::array<double, 3>> bad = {{0, 1, 0.5}, {1, -1, 0.5}, {1, 1, 1.5}, {1, 1, -0.1}, {NAN, 1, 0.5}};
  for (const auto& [a, b, x] : bad)
    EXPECT_TRUE(std::isnan(st::incomplete_beta(a, b, x))) << a << " " << b << " " << x;
}

TEST(Stats, StudentTMatchesScipy) {
  for (const auto& [df, t, cdf, sf, p, pdf] : kTDist) {
    SCOPED_TRACE(::testing::Message() << "df " << df << ", t " << t);
    EXPECT_TRUE(near_rel(st::t_cdf(t, df), cdf, 1e-11));
    EXPECT_TRUE(near_rel(st::t_sf(t, df), sf, 1e-11));
    EXPECT_TRUE(near_rel(st::t_two_sided_p(t, df), p, 1e-11));
    EXPECT_TRUE(near_rel(st::t_pdf(t, df), pdf, 1e-11));
  }
}

TEST(Stats, StudentTQuantileMatchesScipy) {
  for (const auto& [df, p, q] : kTQuantile) {
    EXPECT_TRUE(near_rel(st::t_quantile(p, df), q, 1e-11)) << "df " << df << ", p " << p;
  }
}

// Far in the tail of a small df, where scipy's t.ppf saturates near 1.5e153 (stats_reference.py):
// P(T < t) falls as |t|^-df, so the quantile of 1e-10 is that of 1e-3, t.ppf(0.001, 0.05) =
// -1.0876044676001868e+53, times (1e-3 / 1e-10)^(1 / 0.05) = 1e140.
TEST(Stats, StudentTQuantileFarInTheTailOfSmallDf) {
  EXPECT_TRUE(near_rel(st::t_quantile(1e-10, 0.05), -1.0876044676001868e+53 * 1e140, 1e-11));
}

TEST(Stats, InfiniteDfIsTheStandardNormal) {
  for (const auto& [t, cdf, sf, pdf] : kNormal) {
    SCOPED_TRACE(::testing::Message() << "t " << t);
    EXPECT_TRUE(near_rel(st::t_cdf(t, inf), cdf, 1e-13));
    EXPECT_TRUE(near_rel(st::t_sf(t, inf), sf, 1e-13));
    EXPECT_TRUE(near_rel(st::t_pdf(t, inf), pdf, 1e-13));
  }
  for (const auto& [p, q] : kNormalQuantile) EXPECT_TRUE(near_rel(st::t_quantile(p, inf), q, 1e-11)) << "p " << p;
}

// Real df between and beyond the tabulated ones: the quantile inverts the CDF.
TEST(Stats, QuantileInvertsTheCdfForAnyRealDf) {
  for (double df : {0.3, 1.7, 3.3, 4.0, 55.5, 1e5})
    for (double p : {1e-12, 0.01, 0.2, 0.499, 0.501, 0.8, 0.99, 1 - 1e-9}) {
      const double t = st::t_quantile(p, df);
      EXPECT_TRUE(near_rel(p < 0.5 ? st::t_cdf(t, df) : st::t_sf(t, df), p < 0.5 ? p : 1 - p, 1e-12))
          << "df " << df << ", p " << p << ", t " << t;
      const double hi = std::max(p, 1 - p);  // 1 - hi is exact
      EXPECT_EQ(st::t_quantile(hi, df), -st::t_quantile(1 - hi, df)) << "symmetric, df " << df << ", p " << p;
    }
}

TEST(Stats, StudentTEdgeCases) {
  EXPECT_EQ(st::t_two_sided_p(0, 3), 1);
  EXPECT_EQ(st::t_two_sided_p(inf, 3), 0);
  EXPECT_EQ(st::t_two_sided_p(-inf, 3), 0);
  EXPECT_EQ(st::t_cdf(-inf, 3), 0);
  EXPECT_EQ(st::t_cdf(inf, 3), 1);
  EXPECT_EQ(st::t_cdf(0, 2.5), 0.5);
  EXPECT_EQ(st::t_quantile(0, 3), -inf);
  EXPECT_EQ(st::t_quantile(1, 3), inf);
  EXPECT_EQ(st::t_quantile(0.5, 3), 0);
  for (double df : {0.0, -1.0, double(NAN)}) {
    EXPECT_TRUE(std::isnan(st::t_cdf(1, df)));
    EXPECT_TRUE(std::isnan(st::t_two_sided_p(1, df)));
    EXPECT_TRUE(std::isnan(st::t_pdf(1, df)));
    EXPECT_TRUE(std::isnan(st::t_quantile(0.9, df)));
  }
  EXPECT_TRUE(std::isnan(st::t_cdf(NAN, 3)));
  EXPECT_TRUE(std::isnan(st::t_quantile(1.5, 3)));
  EXPECT_TRUE(std::isnan(st::t_quantile(-0.1, 3)));
  EXPECT_TRUE(std::isnan(st::t_quantile(NAN, 3)));
}

TEST(Stats, PairedTTestMatchesScipyTtestRel) {
  // stats.ttest_rel(A, B): t, df, p = 3.0571479921904094, 6, 0.02230642596180556
  const st::TTest r = st::paired_t_test(kA, kB);
  EXPECT_TRUE(near_rel(r.t, 3.0571479921904094, 1e-12));
  EXPECT_EQ(r.df, 6);
  EXPECT_TRUE(near_rel(r.p, 0.02230642596180556, 1e-11));
  // stats.ttest_1samp(A - B, 0): the same test
  std::vector<double> d;
  for (size_t i = 0; i < kA.size(); ++i) d.push_back(kA[i] - kB[i]);
  const st::TTest o = st::one_sample_t_test(d);
  EXPECT_EQ(o.t, r.t);
  EXPECT_EQ(o.p, r.p);
  EXPECT_THROW(st::paired_t_test(kA, kC), kg::InternalError);
}

TEST(Stats, TTestWithoutSpreadOrWithOneValueIsNaN) {
  for (const std::vector<double>& d : std::vector<std::vector<double>>{{}, {0.2}, {0.25, 0.25, 0.25}}) {
    const st::TTest r = st::one_sample_t_test(d);
    EXPECT_TRUE(std::isnan(r.t) && std::isnan(r.df) && std::isnan(r.p)) << d.size() << " values";
  }
}

TEST(Stats, WelchMatchesScipyTtestIndUnequalVar) {
  // stats.ttest_ind(A, C, equal_var=False): t, df, p = 1.3055687363549839, 5.2124447407225274,
  // 0.2463527873834197; .confidence_interval(0.95) = -0.0777635073141352, 0.24233493588556357;
  // (0.90) = -0.043581637786776734, 0.20815306635820505
  st::Welch w = st::welch_t_test(kA, kC);
  EXPECT_TRUE(near_rel(w.diff, 0.63428571428571423 - 0.55200000000000005, 1e-13));
  EXPECT_TRUE(near_rel(w.t, 1.3055687363549839, 1e-12));
  EXPECT_TRUE(near_rel(w.df, 5.2124447407225274, 1e-12));
  EXPECT_TRUE(near_rel(w.p, 0.2463527873834197, 1e-11));
  EXPECT_TRUE(near_rel(w.ci_low, -0.0777635073141352, 1e-11));
  EXPECT_TRUE(near_rel(w.ci_high, 0.24233493588556357, 1e-11));
  w = st::welch_t_test(kA, kC, 0.90);
  EXPECT_TRUE(near_rel(w.ci_low, -0.043581637786776734, 1e-11));
  EXPECT_TRUE(near_rel(w.ci_high, 0.20815306635820505, 1e-11));
  // stats.ttest_ind(C, B, equal_var=False): t, df, p = -0.48133373591831835, 5.530184051979691,
  // 0.64872748196090468; .confidence_interval(0.95) = -0.19101046894275295, 0.12929618322846734
  w = st::welch_t_test(st::summarize(kC), st::summarize(kB));
  EXPECT_TRUE(near_rel(w.t, -0.48133373591831835, 1e-12));
  EXPECT_TRUE(near_rel(w.df, 5.530184051979691, 1e-12));
  EXPECT_TRUE(near_rel(w.p, 0.64872748196090468, 1e-11));
  EXPECT_TRUE(near_rel(w.ci_low, -0.19101046894275295, 1e-11));
  EXPECT_TRUE(near_rel(w.ci_high, 0.12929618322846734, 1e-11));
  EXPECT_THROW(st::welch_t_test(kA, kC, 1.0), kg::InternalError);
}

TEST(Stats, WelchEdgeCases) {
  // One value in a group: the difference only.
  st::Welch w = st::welch_t_test(std::vector<double>{0.5}, kC);
  EXPECT_EQ(w.diff, 0.5 - st::mean(kC));
  EXPECT_TRUE(std::isnan(w.se) && std::isnan(w.df) && std::isnan(w.ci_low) && std::isnan(w.ci_high));
  // No spread in either group: the interval is the point; no statistic.
  w = st::welch_t_test(std::vector<double>{0.5, 0.5}, std::vector<double>{0.25, 0.25, 0.25});
  EXPECT_EQ(w.diff, 0.25);
  EXPECT_EQ(w.se, 0);
  EXPECT_EQ(w.ci_low, 0.25);
  EXPECT_EQ(w.ci_high, 0.25);
  EXPECT_TRUE(std::isnan(w.t) && std::isnan(w.df) && std::isnan(w.p));
}

// tests/cli/compare.sh's paired case: per-signature differences 0.15 in scaffold A and 0.25
// in B; resampling the 2 scaffolds gives 0.15, 0.2 or 0.25, so the interval is [0.15, 0.25].
TEST(Stats, GroupBootstrapOfTwoGroupsSpansTheirMeans) {
  const std::vector<double> d = {0.15, 0.15, 0.25, 0.25};
  const std::vector<std::string> g = {"scafA", "scafA", "scafB", "scafB"};
  const st::GroupBootstrap b = st::group_bootstrap_ci(d, g, 2000, 20251222);
  EXPECT_EQ(b.groups, 2u);
  EXPECT_DOUBLE_EQ(b.low, 0.15);
  EXPECT_DOUBLE_EQ(b.high, 0.25);
}

// The loop report.cpp ran before it moved here (3f3e52e, compiled on its own) printed
// -0.020000000000000004 0.11928571428571431 for these inputs, seed 20251222 and 2000
// resamples: the same draws in the same order (libstdc++'s uniform_int_distribution).
TEST(Stats, GroupBootstrapKeepsReportsDraws) {
  const std::vector<double> d = {0.12, -0.03, 0.07, 0.2, 0.05, -0.11, 0.09, 0.01, 0.16, -0.02, 0.04};
  const std::vector<std::string> g = {"s3", "s1", "s3", "s2", "s1", "s4", "s2", "s5", "s2", "s4", "s1"};
  const st::GroupBootstrap b = st::group_bootstrap_ci(d, g, 2000, 20251222);
  EXPECT_EQ(b.groups, 5u);
  EXPECT_EQ(b.low, -0.020000000000000004);
  EXPECT_EQ(b.high, 0.11928571428571431);
  const st::GroupBootstrap again = st::group_bootstrap_ci(d, g, 2000, 20251222);
  EXPECT_EQ(again.low, b.low);
  EXPECT_EQ(again.high, b.high);
  const st::GroupBootstrap wider = st::group_bootstrap_ci(d, g, 2000, 20251222, 0.99);
  EXPECT_LE(wider.low, b.low);
  EXPECT_GE(wider.high, b.high);
}

TEST(Stats, GroupBootstrapOfOneGroupIsNaN) {
  const std::vector<double> d = {0.1, 0.3};
  const std::vector<std::string> g = {"x", "x"};
  const st::GroupBootstrap b = st::group_bootstrap_ci(d, g, 2000, 1);
  EXPECT_EQ(b.groups, 1u);
  EXPECT_TRUE(std::isnan(b.low) && std::isnan(b.high));
  EXPECT_EQ(st::group_bootstrap_ci({}, {}, 10, 1).groups, 0u);
  EXPECT_THROW(st::group_bootstrap_ci(d, std::vector<std::string>{"x"}, 10, 1), kg::InternalError);
  EXPECT_THROW(st::group_bootstrap_ci(d, g, 0, 1), kg::InternalError);
}
