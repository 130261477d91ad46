"""VCF calls as cohort rows and as patient genotypes from an upload.

Uploaded VCFs are parsed from a RAM-backed temporary file (``/dev/shm`` where the system
has one) that is removed as soon as it has been read: the VCF reader needs a path.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from advisor.genotype.vcf import VcfCaller, genotypes_from_vcf
from advisor.knowledge import KnowledgeBase


def cohort_genotypes(kb: KnowledgeBase, path: str | Path) -> pd.DataFrame:
    """One row per VCF sample: ``sample_id`` and each call key (empty where not uniquely
    called: ambiguous or no-call genes are left untested, never guessed)."""
    table = VcfCaller(kb).call_table(path)
    value = np.array([c.diplotypes[0] if c.status == "called" and len(c.diplotypes) == 1
                      else None for c in table.calls] or [None], dtype=object)
    keys = [table.calls[i].key for i in table.index[0]] if len(table.samples) else []
    wide = {"sample_id": table.samples}
    wide.update({key: value[table.index[:, k]] for k, key in enumerate(keys)})
    return pd.DataFrame(wide)


@contextmanager
def _ram_file(name: str, data: bytes) -> Iterator[Path]:
    suffix = ".vcf.gz" if name.lower().endswith(".gz") else ".vcf"
    folder = "/dev/shm" if os.path.isdir("/dev/shm") else None
    handle, path = tempfile.mkstemp(suffix=suffix, dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        yield Path(path)
    finally:
        os.unlink(path)


def genotypes_from_upload(kb: KnowledgeBase, name: str, data: bytes, sample: str | None
                          ) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Patient genotypes and call details from uploaded VCF bytes."""
    with _ram_file(name, data) as path:
        return genotypes_from_vcf(kb, path, sample)


def cohort_from_upload(kb: KnowledgeBase, name: str, data: bytes) -> pd.DataFrame:
    """Cohort rows from uploaded multi-sample VCF bytes."""
    with _ram_file(name, data) as path:
        return cohort_genotypes(kb, path)
