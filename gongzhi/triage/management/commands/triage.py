"""`gongzhi triage train|use-model|rebuild-hot|backlog`: the database side of triage.

The file-based commands (train --csv, predict, sentiment, hot-issues, reply-quality) run without
Django (see gongzhi/triage/cli.py); `gongzhi` sends them there.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from gongzhi.core.errors import ActionRefused
from gongzhi.triage.cli import DATABASE_COMMANDS


class Command(BaseCommand):
    help = "Train the classifier from closed appeals, register a trained model, rebuild hot issues, triage the backlog."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("train", help="train from the platform's closed appeals and activate the model")
        use = sub.add_parser("use-model", help=DATABASE_COMMANDS["use-model"])
        use.add_argument("model_dir")
        sub.add_parser("rebuild-hot", help=DATABASE_COMMANDS["rebuild-hot"])
        sub.add_parser("backlog", help=DATABASE_COMMANDS["backlog"])

    def handle(self, *args, action, **opts):
        from gongzhi.triage import services

        try:
            if action == "train":
                row = services.train_from_database()
                self.stdout.write(f"trained {row.version} on {row.trained_on} appeals; active")
            elif action == "use-model":
                from gongzhi.triage.classifier import TextClassifier

                try:
                    model = TextClassifier.load(opts["model_dir"])
                except (OSError, ValueError) as exc:
                    raise CommandError(f"cannot load a model from {opts['model_dir']}: {exc}") from None
                row = services.register_model(model, "csv", int((getattr(model, "report", None) or {}).get("n_train", 0)))
                self.stdout.write(f"registered {row.version}; active")
            elif action == "backlog":
                self.stdout.write(f"{services.triage_backlog()} waiting appeals analysed")
            else:
                self.stdout.write(f"{services.rebuild_hot_issues()} hot issues")
        except ActionRefused as exc:
            raise CommandError(str(exc)) from None
