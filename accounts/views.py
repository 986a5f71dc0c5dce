from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import SignUpForm
from accounts.services import user_create
from levels.policy import current_policy
from sellers.services import seller_profile_create


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("services:list")

    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_create(
            username=form.cleaned_data["username"],
            display_name=form.cleaned_data["display_name"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("services:list")

    status = 400 if form.errors else 200
    return render(request, "accounts/sign_up.html", {"form": form}, status=status)


@login_required
def become_seller(request):
    """Explain level 1 and, on POST, make the user a seller."""
    if request.method == "POST":
        seller_profile_create(user=request.user)
        messages.success(request, _("You are now a seller on level 1. Add your first service."))
        return redirect("services:mine")

    if hasattr(request.user, "seller_profile"):
        return redirect("services:mine")
    return render(request, "accounts/become_seller.html", {"rule": current_policy().level(1)})
