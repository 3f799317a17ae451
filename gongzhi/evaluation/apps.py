from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "gongzhi.evaluation"
    label = "evaluation"
