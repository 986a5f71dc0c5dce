from django import forms
from django.utils.translation import gettext_lazy as _

from conversations.services import MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=MESSAGE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}),
    )
