"""django.contrib.admin with core's StaffAdminSite as the default site (admin.site).

Kept apart from core/admin_site.py, which imports models: INSTALLED_APPS loads this module
before the app registry is ready.
"""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "core.admin_site.StaffAdminSite"
