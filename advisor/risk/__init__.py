"""Drug-resistance risk model: literature-calibrated simulation, training, evaluation and
per-patient estimates. Import from the submodules (``advisor.risk.predict.risk_block``,
``advisor.risk.cli.register``); this package stays light so the CLI starts fast."""
