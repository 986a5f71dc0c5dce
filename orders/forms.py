from django import forms
from django.utils.translation import gettext_lazy as _

from orders.services import CANCEL_REASON_MAX_LENGTH, REVIEW_COMMENT_MAX_LENGTH
from services.forms import LocalIntegerField


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=CANCEL_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    rating = LocalIntegerField(
        label=_("Rating (1 to 5)"), min_value=1, max_value=5,
        widget=forms.Select(choices=[("", "—"), *[(n, n) for n in range(5, 0, -1)]]),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=REVIEW_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
