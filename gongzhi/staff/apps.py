from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "gongzhi.staff"
    label = "staff"
