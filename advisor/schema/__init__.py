"""Typed models of the knowledge-base YAML files (strict: unknown keys are errors).

The structure is documented for reviewers in ``knowledgebase/README.md``. These modules only
describe data; loading and cross-file checks live in :mod:`advisor.knowledge`.
"""

from advisor.schema.common import (
    RULE_CATEGORIES,
    Action,
    Bounds,
    Category,
    Evidence,
    EvidenceLevel,
    Manifest,
    Range,
    Severity,
    Source,
    SourcesFile,
    Strict,
    Vocabulary,
)
from advisor.schema.dosing import (
    Band,
    DoseBand,
    Dosing,
    HepaticBand,
    Increase,
    Indication,
    NoDose,
    OrganBand,
    ReactionStop,
    RenalBand,
    SourcedRange,
    Titration,
    TitrationStep,
    WholeTablets,
    Withdrawal,
)
from advisor.schema.drugs import (
    Aggravation,
    Comedication,
    ComedicationsFile,
    Drug,
    SafetyNote,
    SeizureScope,
)
from advisor.schema.effect_sizes import EffectSizes, Factor, FactorInput
from advisor.schema.genes import (
    GENE,
    KNOWN_FUNCTIONS,
    Gene,
    HlaGene,
    KnownVariant,
    SnpGene,
    StarAllele,
    StarAlleleGene,
    Variant,
    VariantEffectGene,
)
from advisor.schema.pathways import (
    AcuteDose,
    Advice,
    AdviceFile,
    DreFile,
    GuidelinePosition,
    PositionsFile,
    RegimensFile,
    SeEvidenceNote,
    StatusEpilepticusFile,
)
from advisor.schema.rules import (
    Condition,
    DoseChange,
    DrugSelector,
    Interaction,
    InteractionsFile,
    PriorReaction,
    PromptWithdrawal,
    Rule,
    RulesFile,
)

__all__ = [
    "GENE", "KNOWN_FUNCTIONS", "RULE_CATEGORIES", "Action", "AcuteDose", "Advice",
    "AdviceFile", "Aggravation", "Band", "Bounds", "Category", "Comedication",
    "ComedicationsFile", "Condition", "DoseBand", "DoseChange", "Dosing", "DreFile", "Drug",
    "DrugSelector", "EffectSizes", "Evidence", "EvidenceLevel", "Factor", "FactorInput", "Gene",
    "GuidelinePosition", "HepaticBand", "HlaGene", "Increase", "Indication", "Interaction",
    "InteractionsFile", "KnownVariant", "Manifest", "NoDose", "OrganBand", "PositionsFile",
    "PriorReaction", "PromptWithdrawal", "Range", "ReactionStop", "RegimensFile", "RenalBand",
    "Rule", "RulesFile",
    "SafetyNote", "SeEvidenceNote", "SeizureScope", "Severity", "SnpGene", "Source",
    "SourcedRange", "SourcesFile", "StarAllele", "StarAlleleGene", "StatusEpilepticusFile",
    "Strict", "Titration", "TitrationStep", "Variant", "VariantEffectGene", "Vocabulary",
    "WholeTablets", "Withdrawal",
]
