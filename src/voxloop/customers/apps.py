"""Django app config for customers."""

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "voxloop.customers"
    label = "customers"
    verbose_name = "Customers"
