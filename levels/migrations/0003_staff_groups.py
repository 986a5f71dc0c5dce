"""Create the two staff groups of the levels tools with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT = "support"
LEVEL_MANAGERS = "level managers"

# Models whose rows both groups may view: the levels data and what it is computed from.
VIEWED_MODELS = {
    "levels": ["sellermetrics", "levelevent", "evaluationrun", "evaluationbatch", "policysnapshot",
               "exclusionrequest"],
    "sellers": ["sellerprofile"],
    "orders": ["order", "review"],
    "conversations": ["conversation", "message"],
    "services": ["service"],
    "accounts": ["user"],
}
SUPPORT_TOOLS = ["decide_exclusion_request"]
MANAGER_TOOLS = SUPPORT_TOOLS + ["pin_level", "exclude_from_metrics", "reevaluate_sellers", "run_policy_whatif"]


def _ensure_permissions(apps):
    # Permissions are normally created after all migrations have run, which
    # is too late for a fresh database, so create them here first.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    _ensure_permissions(apps)

    view_permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=f"view_{model}")
        for app_label, models in VIEWED_MODELS.items()
        for model in models
    ]

    def tools(codenames):
        return list(Permission.objects.filter(content_type__app_label="levels", codename__in=codenames))

    support, _ = Group.objects.get_or_create(name=SUPPORT)
    support.permissions.add(*view_permissions, *tools(SUPPORT_TOOLS))
    managers, _ = Group.objects.get_or_create(name=LEVEL_MANAGERS)
    managers.permissions.add(*view_permissions, *tools(MANAGER_TOOLS))


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[SUPPORT, LEVEL_MANAGERS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("levels", "0002_staff_tools"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("sellers", "0001_initial"),
        ("orders", "0001_initial"),
        ("conversations", "0001_initial"),
        ("services", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
