"""The knowledge base: loaded once, validated, versioned and hashed.

``load_knowledgebase()`` -> :class:`KnowledgeBase`; ``validate_knowledgebase()`` -> the list
of problems ``advisor kb validate`` prints.
"""

from advisor.knowledge.base import KnowledgeBase, normalize_name
from advisor.knowledge.loader import load_knowledgebase, validate_knowledgebase
from advisor.knowledge.problems import KnowledgeBaseInvalid, Problem
from advisor.knowledge.yaml_io import read_yaml

__all__ = ["KnowledgeBase", "KnowledgeBaseInvalid", "Problem",
           "load_knowledgebase", "normalize_name", "read_yaml", "validate_knowledgebase"]
