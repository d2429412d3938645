"""The connector catalogue: one entry per template id, with every imported version."""

from django.conf import settings
from django.db import models

from connectors.catalogue.addresses import version_label


class ConnectorKind(models.TextChoices):
    BUILTIN = "builtin", "Built-in"
    TEMPLATE = "template", "Template-only"
    CUSTOM = "custom", "Custom"


class ImportSource(models.TextChoices):
    UPLOAD = "upload", "Upload"
    API = "api", "API"
    COMMAND = "command", "Command line"
    NPM = "npm", "npm package"
    REGISTRY = "registry", "Python connector"
    CONFIGURATION = "configuration", "Saved configuration"


class CatalogueEntry(models.Model):
    """A connector as users browse it: the element templates sharing one `id`.

    Display fields are copied from the default version (the newest non-deprecated one) so that
    listing and searching never read template JSON.
    """

    template_id = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=16, choices=ConnectorKind.choices)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    category_id = models.CharField(max_length=255, blank=True)
    category_name = models.CharField(max_length=255, blank=True)
    documentation_ref = models.URLField(max_length=1000, blank=True)
    keywords = models.JSONField(default=list)
    applies_to = models.JSONField(default=list)
    # The same, space-separated and padded ("␠bpmn:Task␠bpmn:ServiceTask␠"), so that every
    # database can filter on one element type with a plain `contains`.
    applies_to_index = models.CharField(max_length=1000, blank=True)
    element_type = models.CharField(max_length=255, blank=True)
    job_type = models.CharField(max_length=255, blank=True, db_index=True)
    has_icon = models.BooleanField(default=False)
    # Lower-cased name, description, keywords and job type: what "search as you type" reads.
    search_text = models.TextField(blank=True)
    version_count = models.PositiveIntegerField(default=0)
    default_version = models.ForeignKey(
        "TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "template_id"]
        verbose_name_plural = "catalogue entries"
        # Adding template versions from the web or the API; staff have it without a grant.
        permissions = [("import_templates", "Can import element templates")]

    def __str__(self) -> str:
        return f"{self.name} ({self.template_id})"


class TemplateVersion(models.Model):
    """One element template exactly as imported (`content`), with what the hub reads from it."""

    entry = models.ForeignKey(CatalogueEntry, on_delete=models.CASCADE, related_name="versions")
    # Templates without a `version` are allowed by the schema; they are stored as NULL.
    version = models.IntegerField(null=True, blank=True)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    job_type = models.CharField(max_length=255, blank=True)
    deprecated = models.BooleanField(default=False)
    deprecation_message = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=ImportSource.choices)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entry", models.F("version").desc(nulls_last=True)]
        indexes = [models.Index(fields=["entry", "version"])]

    def __str__(self) -> str:
        return f"{self.entry.template_id} {self.version_label}"

    @property
    def version_label(self) -> str:
        return version_label(self.version)
