from django import forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class SignUpForm(BaseUserCreationForm):
    """Username, display name, email and password (typed twice) of a new account."""

    email = forms.EmailField(label=_("Email"))

    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("username", "display_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].required = True
        self.fields["display_name"].help_text = _("The name buyers and sellers see.")

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."), code="duplicate")
        return email
