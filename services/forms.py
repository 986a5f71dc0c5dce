"""Forms of the listing filters and of the seller's service editor.

Numbers go through marketplace.numbers, so Arabic-Indic digits and the Arabic
decimal separator are read like ASCII ones.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from levels.policy import current_policy
from marketplace.numbers import parse_decimal, parse_integer
from services import selectors
from services.models import Category, Service

DELIVERY_DAYS_MAX = 365


class DecimalInput(forms.TextInput):
    """A text box for amounts: a number field would reject Arabic-Indic digits."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "dir": "ltr", **(attrs or {})})


# Longer input is not a price or a count anyone meant to type.
NUMBER_MAX_LENGTH = 20


def _check_number_length(value: str) -> None:
    # CharField's max_length validator runs on the parsed number, which has
    # no length, so the typed text is checked here instead.
    if len(value) > NUMBER_MAX_LENGTH:
        raise ValidationError(
            _("Enter at most %(max)s characters."), code="max_length", params={"max": NUMBER_MAX_LENGTH},
        )


class LocalDecimalField(forms.CharField):
    """A decimal typed in Western or Arabic-Indic digits, with at most two decimals."""

    widget = DecimalInput

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        _check_number_length(value)
        return parse_decimal(value)


class LocalIntegerField(forms.CharField):
    """A whole number typed in Western or Arabic-Indic digits, within bounds."""

    def __init__(self, *, min_value: int, max_value: int, **options):
        self.min_value = min_value
        self.max_value = max_value
        options.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "dir": "ltr"}))
        super().__init__(**options)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        _check_number_length(value)
        number = parse_integer(value)
        if not self.min_value <= number <= self.max_value:
            raise ValidationError(
                _("Enter a whole number from %(min)s to %(max)s."),
                code="out_of_range",
                params={"min": self.min_value, "max": self.max_value},
            )
        return number


class ServiceFilterForm(forms.Form):
    """The listing's search, filters and sort, read from the query string.

    A value that does not parse is reported next to its field and ignored, so
    the page still lists services.
    """

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False)
    level = forms.TypedChoiceField(label=_("Seller level"), required=False, coerce=int, empty_value=None)
    min_price = LocalDecimalField(label=_("Minimum price (USD)"), required=False)
    max_price = LocalDecimalField(label=_("Maximum price (USD)"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            (selectors.SORT_RECOMMENDED, _("Recommended")),
            (selectors.SORT_PRICE_LOW, _("Price: lowest first")),
            (selectors.SORT_PRICE_HIGH, _("Price: highest first")),
            (selectors.SORT_RATING, _("Rating")),
            (selectors.SORT_NEWEST, _("Newest")),
        ],
    )

    def __init__(self, data=None, *, categories=(), fixed_category: Category | None = None):
        super().__init__(data)
        self.fields["category"].choices = [("", _("All categories"))] + [
            (category.slug, str(category)) for category in categories
        ]
        if fixed_category is not None:
            # A category page fixes the category in its address.
            del self.fields["category"]
        self.fields["level"].choices = [("", _("Any level"))] + [
            (rule.number, _("Level %(level)s") % {"level": rule.number})
            for rule in current_policy().levels
        ]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", _("The maximum price is below the minimum price."))
        return cleaned

    def filters(self, *, fixed_category: Category | None = None) -> selectors.ServiceFilters:
        """Return the filters from the fields that are valid, ignoring the others."""
        self.is_valid()
        valid = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        if fixed_category is not None:
            category = fixed_category.slug
        else:
            # Read raw: the category choices come from the counts these
            # filters produce, and the listing checks the slug against them.
            category = str(self.data.get("category", "")).strip()
        return selectors.ServiceFilters(
            search=(valid.get("q") or "").strip(),
            category=category,
            level=valid.get("level"),
            min_price=valid.get("min_price"),
            max_price=valid.get("max_price"),
            sort=valid.get("sort") or selectors.SORT_RECOMMENDED,
        )


class ServiceForm(forms.Form):
    """Fields of a service a seller creates or edits. services.services checks the caps."""

    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), empty_label=None)
    description = forms.CharField(label=_("Description"), required=False, max_length=10000, widget=forms.Textarea)
    price = LocalDecimalField(
        label=_("Price (USD)"),
        help_text=_("Digits such as 25.50 or ٢٥٫٥٠."),
    )
    delivery_days = LocalIntegerField(
        label=_("Delivery time (days)"), min_value=1, max_value=DELIVERY_DAYS_MAX, initial=3,
    )
    status = forms.ChoiceField(
        label=_("Publishing"),
        choices=[
            (Service.Status.ACTIVE, _("Publish now")),
            (Service.Status.DRAFT, _("Save as a draft")),
        ],
        initial=Service.Status.ACTIVE,
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            # An existing service is paused and re-activated from the list.
            del self.fields["status"]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a ValidationError from services.services next to the fields it names.

    Errors on a field the form lacks (the seller, say) go to the top of the form.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
