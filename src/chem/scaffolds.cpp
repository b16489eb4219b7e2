// The built-in ring systems and substituents of the demo compound generator, written by hand
// from scaffolds common in approved drugs (each ring system is its own Bemis–Murcko scaffold).
#include "chem/generate.hpp"

namespace kg::chem {

const std::vector<ScaffoldDef>& scaffold_library() {
  static const std::vector<ScaffoldDef> lib = {
      // monocyclic aromatics
      {"benzene", "c1ccccc1"},
      {"pyridine", "c1ccncc1"},
      {"pyrimidine", "c1cncnc1"},
      {"pyrazine", "c1cnccn1"},
      {"pyridazine", "c1ccnnc1"},
      {"thiophene", "c1ccsc1"},
      {"furan", "c1ccoc1"},
      {"pyrrole", "c1cc[nH]c1"},
      {"imidazole", "c1c[nH]cn1"},
      {"pyrazole", "c1cc[nH]n1"},
      {"thiazole", "c1cscn1"},
      {"oxazole", "c1cocn1"},
      {"isoxazole", "c1ccon1"},
      {"1,2,4-triazole", "c1nc[nH]n1"},
      // fused bicyclic aromatics
      {"naphthalene", "c1ccc2ccccc2c1"},
      {"indole", "c1ccc2[nH]ccc2c1"},
      {"benzofuran", "c1ccc2occc2c1"},
      {"benzothiophene", "c1ccc2sccc2c1"},
      {"benzimidazole", "c1ccc2[nH]cnc2c1"},
      {"benzoxazole", "c1ccc2ocnc2c1"},
      {"benzothiazole", "c1ccc2scnc2c1"},
      {"indazole", "c1ccc2[nH]ncc2c1"},
      {"quinoline", "c1ccc2ncccc2c1"},
      {"isoquinoline", "c1ccc2cnccc2c1"},
      {"quinazoline", "c1ccc2ncncc2c1"},
      {"quinoxaline", "c1ccc2nccnc2c1"},
      {"purine", "c1ncc2[nH]cnc2n1"},
      {"pteridine", "c1cnc2ncncc2n1"},
      {"imidazo[1,2-a]pyridine", "c1ccn2ccnc2c1"},
      {"pyrazolo[3,4-d]pyrimidine", "c1ncc2cn[nH]c2n1"},
      // fused rings with a carbonyl
      {"coumarin", "O=c1ccc2ccccc2o1"},
      {"chromone", "O=c1ccoc2ccccc12"},
      {"quinolin-2-one", "O=c1ccc2ccccc2[nH]1"},
      {"4-quinolone", "O=c1cc[nH]c2ccccc12"},
      {"xanthine", "O=c1[nH]c(=O)c2[nH]cnc2[nH]1"},
      {"flavone", "O=c1cc(-c2ccccc2)oc2ccccc12"},
      {"anthraquinone", "O=C1c2ccccc2C(=O)c2ccccc21"},
      {"1,4-benzodiazepin-2-one", "O=C1CN=C(c2ccccc2)c2ccccc2N1"},
      // tricyclics
      {"carbazole", "c1ccc2c(c1)[nH]c1ccccc12"},
      {"dibenzofuran", "c1ccc2c(c1)oc1ccccc12"},
      {"phenothiazine", "c1ccc2c(c1)Nc1ccccc1S2"},
      {"acridine", "c1ccc2nc3ccccc3cc2c1"},
      {"dibenzazepine", "c1ccc2c(c1)CCc1ccccc1N2"},
      // partly saturated fused rings
      {"indane", "c1ccc2c(c1)CCC2"},
      {"tetralin", "c1ccc2c(c1)CCCC2"},
      {"tetrahydroisoquinoline", "c1ccc2c(c1)CCNC2"},
      {"chromane", "c1ccc2c(c1)CCCO2"},
      {"indolin-2-one", "O=C1Cc2ccccc2N1"},
      // saturated rings and cages
      {"cyclohexane", "C1CCCCC1"},
      {"piperidine", "C1CCNCC1"},
      {"piperazine", "C1CNCCN1"},
      {"morpholine", "C1COCCN1"},
      {"pyrrolidin-2-one", "O=C1CCCN1"},
      {"hydantoin", "O=C1CNC(=O)N1"},
      {"barbiturate", "O=C1CC(=O)NC(=O)N1"},
      {"tropane", "C1CC2CCC(C1)N2"},
      {"adamantane", "C1C2CC3CC1CC(C2)C3"},
      {"gonane (steroid core)", "C1CCC2C(C1)CCC1C2CCC2CCCC21"},
      {"estratriene (aromatic-A steroid)", "c1ccc2c(c1)CCC1C2CCC2CCCC21"},
      // ring systems joined by linkers
      {"biphenyl", "c1ccc(-c2ccccc2)cc1"},
      {"2-phenylpyridine", "c1ccc(-c2ccccn2)cc1"},
      {"diphenylmethane", "c1ccc(Cc2ccccc2)cc1"},
      {"diphenyl ether", "c1ccc(Oc2ccccc2)cc1"},
      {"diphenylamine", "c1ccc(Nc2ccccc2)cc1"},
      {"benzophenone", "O=C(c1ccccc1)c1ccccc1"},
      {"benzanilide", "O=C(Nc1ccccc1)c1ccccc1"},
      {"diphenylurea", "O=C(Nc1ccccc1)Nc1ccccc1"},
      {"benzenesulfonanilide", "O=S(=O)(Nc1ccccc1)c1ccccc1"},
      {"phenylpiperazine", "c1ccc(N2CCNCC2)cc1"},
      {"phenylmorpholine", "c1ccc(N2CCOCC2)cc1"},
      {"benzylpiperidine", "c1ccc(CC2CCNCC2)cc1"},
      {"cyclopropylbenzene", "c1ccc(C2CC2)cc1"},
      {"4-anilinoquinazoline", "c1ccc(Nc2ncnc3ccccc23)cc1"},
      {"2-anilinopyrimidine", "c1ccc(Nc2ncccn2)cc1"},
      {"benzylthiazolidinedione", "O=C1NC(=O)C(Cc2ccccc2)S1"},
  };
  return lib;
}

const std::vector<const char*>& substituent_library() {
  static const std::vector<const char*> subs = {
      "C",             // methyl
      "CC",            // ethyl
      "C(C)C",         // isopropyl
      "C(C)(C)C",      // tert-butyl
      "F",             // fluoro
      "Cl",            // chloro
      "Br",            // bromo
      "O",             // hydroxy
      "OC",            // methoxy
      "OCC",           // ethoxy
      "OC(F)(F)F",     // trifluoromethoxy
      "N",             // amino
      "N(C)C",         // dimethylamino
      "NC(C)=O",       // acetamido
      "C(N)=O",        // carboxamide
      "C(=O)NC",       // N-methylcarboxamide
      "C#N",           // nitrile
      "C(F)(F)F",      // trifluoromethyl
      "C(=O)O",        // carboxylic acid
      "C(=O)OC",       // methyl ester
      "C(C)=O",        // acetyl
      "CO",            // hydroxymethyl
      "CN",            // aminomethyl
      "S(C)(=O)=O",    // methylsulfonyl
      "S(N)(=O)=O",    // sulfonamide
      "[N+](=O)[O-]",  // nitro
      "SC",            // methylthio
      "CCO",           // hydroxyethyl
  };
  return subs;
}

}  // namespace kg::chem
