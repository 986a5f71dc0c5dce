from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from conversations import selectors
from conversations import services as inquiry_writes
from conversations.forms import MessageForm
from services.selectors import service_detail

INQUIRIES_PER_PAGE = 20


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def inquiry_start(request, service_pk: int):
    """Ask the seller of an active service a question."""
    service = service_detail(service_pk)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            conversation = inquiry_writes.inquiry_start(
                buyer=request.user, seller=service.seller, service=service, body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Your message is sent to the seller."))
            return redirect("conversations:detail", pk=conversation.pk)

    status = 400 if form.errors else 200
    return render(request, "conversations/inquiry_start.html", {"form": form, "service": service}, status=status)


def _inquiry_list(request, queryset, *, as_seller: bool):
    page = Paginator(queryset, INQUIRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "conversations/inquiry_list.html", {"page": page, "as_seller": as_seller})


@login_required
def inquiries_sent(request):
    return _inquiry_list(request, selectors.inquiries_of_buyer(request.user), as_seller=False)


@login_required
def inbox(request):
    return _inquiry_list(request, selectors.inquiries_of_seller(request.user), as_seller=True)


@login_required
def inquiry_detail(request, pk: int):
    conversation = selectors.inquiry_for_party(user=request.user, pk=pk)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry_writes.message_send(
                conversation=conversation, sender_user=request.user, body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("conversations:detail", pk=conversation.pk)

    status = 400 if form.errors else 200
    return render(request, "conversations/inquiry_detail.html", {
        "conversation": conversation,
        "messages_list": selectors.inquiry_messages(conversation),
        "my_side": inquiry_writes.sender_of(conversation, request.user),
        "form": form,
    }, status=status)
