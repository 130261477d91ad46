"""The package as users install it: bundled data found, optional extras named when missing,
standard input and output, a light start, and every folder listed for the build."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

from advisor.cli import main
from advisor.resources import KB_ENV, bundled, kb_dir
from tests.conftest import KB_DIR, MODELS_DIR, PACKAGE, ROOT

EXAMPLE = ROOT / "examples" / "hla-b1502-focal-dre.yaml"


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, check=False,
                          text=True, cwd=ROOT.parent, timeout=120)


def test_bundled_data_is_found():
    assert (KB_DIR / "manifest.yaml").is_file() and (KB_DIR / "drugs").is_dir()
    assert (MODELS_DIR / "dre_risk.skops").is_file()
    assert (MODELS_DIR / "MODEL_CARD.md").is_file()
    assert bundled("knowledgebase") == KB_DIR


def test_environment_variable_chooses_the_knowledge_base(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(KB_ENV, str(tmp_path / "elsewhere"))
    assert kb_dir() == tmp_path / "elsewhere"
    assert main(["kb", "validate"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err]
    assert "does not exist" in err and "elsewhere" in err


def test_missing_knowledge_base_folder_differs_from_an_invalid_one(tmp_path, capsys):
    assert main(["consult", str(EXAMPLE), "--kb", str(tmp_path / "none")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["consult", str(EXAMPLE), "--kb", str(tmp_path / "empty")]) == 1
    assert "knowledge base is invalid" in capsys.readouterr().err
    file = tmp_path / "file.yaml"
    file.write_text("x: 1\n")
    assert main(["kb", "validate", str(file)]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_help_and_version_do_not_load_the_engine():
    code = ("import sys\nfrom advisor.cli import main\n"
            "for argv in (['--version'], ['--help'], ['consult', '--help'], ['model', '--help'],\n"
            "             ['serve', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "heavy = sorted(m for m in ('pandas', 'numpy', 'sklearn', 'pydantic', 'streamlit',"
            " 'cyvcf2', 'scipy', 'fastapi', 'uvicorn', 'jwt', 'httpx') if m in sys.modules)\n"
            "print('LOADED', heavy, file=sys.stderr)")
    done = _python(code)
    assert "LOADED []" in done.stderr, done.stderr
    assert "ADVISOR_KB" in done.stdout and "ADVISOR_MODELS" in done.stdout  # --help epilog


def test_every_option_has_help_with_an_example():
    from advisor.cli import build_parser

    parser = build_parser()
    missing = []
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in commands.items():
        subs = [(name, sub)]
        if sub._subparsers is not None:
            subs = [(f"{name} {n}", s)
                    for n, s in sub._subparsers._group_actions[0].choices.items()]
        for label, cmd in subs:
            for action in cmd._actions:
                if action.dest == "help" or action.help is None:
                    if action.dest != "help":
                        missing.append(f"{label} {action.dest}: no help")
                    continue
                if action.option_strings and action.nargs != 0 and "e.g." not in action.help:
                    missing.append(f"{label} {action.option_strings[0]}: no example")
            if "Example" not in (cmd.description or ""):
                missing.append(f"{label}: no example in the description")
    assert not missing, missing


def test_missing_extra_is_one_line_naming_it(tmp_path):
    vcf = tmp_path / "x.vcf"
    vcf.write_text("##fileformat=VCFv4.2\n")
    code = ("import sys\nsys.modules['cyvcf2'] = None\nfrom advisor.cli import main\n"
            "sys.exit(main(['call', sys.argv[1]]))")
    done = _python(code, str(vcf))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: reading VCF files needs the optional extra [vcf] (cyvcf2): "
        "pip install 'dre-advisor[vcf]'"]


def test_consult_reads_standard_input_and_writes_standard_output():
    code = "import sys\nfrom advisor.cli import main\nsys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, "consult", "-", "--format", "json", "--out", "-"],
        input=EXAMPLE.read_bytes(), capture_output=True, cwd=EXAMPLE.parent, timeout=120,
        check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["patient_id"] and result["risk"] is not None


def test_every_folder_is_listed_for_the_build():
    pyproject = ROOT / "pyproject.toml"
    listed = set(tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for root, prefix in ((PACKAGE, "advisor"), (KB_DIR, "advisor_knowledgebase"),
                         (MODELS_DIR, "advisor_models"), (bundled("examples"),
                                                          "advisor_examples")):
        found.add(prefix)
        found |= {".".join((prefix, *d.relative_to(root).parts)) for d in root.rglob("*")
                  if d.is_dir() and d.name != "__pycache__" and any(d.iterdir())}
    assert found == listed


def test_citation_and_license_agree_with_the_package():
    import yaml

    import advisor

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {"cff-version", "message", "title", "authors", "version"} <= set(citation)
    assert str(citation["version"]) == advisor.__version__
    assert citation["license"] == project["license"] == "MIT"
    assert "MIT License" in (ROOT / "LICENSE").read_text()
