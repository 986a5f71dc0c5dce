from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orders import selectors
from orders import services as order_writes
from orders.forms import CancelForm, ReviewForm
from services.models import Service

ORDERS_PER_PAGE = 20


def _order_list(request, queryset, *, as_seller: bool):
    page = Paginator(queryset, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "orders/order_list.html", {"page": page, "as_seller": as_seller})


@login_required
def purchases(request):
    """List the signed-in user's orders as a buyer."""
    return _order_list(request, selectors.orders_of_buyer(request.user), as_seller=False)


@login_required
def sales(request):
    """List the orders placed with the signed-in seller."""
    return _order_list(request, selectors.orders_of_seller(request.user), as_seller=True)


@login_required
@require_POST
def order_place(request, service_pk: int):
    service = get_object_or_404(Service, pk=service_pk)
    try:
        order = order_writes.order_place(buyer=request.user, service=service)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("services:detail", pk=service.pk)

    messages.success(request, _("Your order is placed. The seller can start working on it."))
    return redirect("orders:detail", pk=order.pk)


def _render_detail(request, order, *, cancel_form=None, review_form=None, status=200):
    return render(request, "orders/order_detail.html", {
        "order": order,
        "party": order_writes.party_of(order, request.user),
        "actions": order_writes.allowed_actions(order, request.user),
        "cancel_form": cancel_form or CancelForm(),
        "review_form": review_form or ReviewForm(),
    }, status=status)


@login_required
def order_detail(request, pk: int):
    return _render_detail(request, selectors.order_for_party(user=request.user, pk=pk))


def _apply(request, pk: int, write, success_message: str):
    order = selectors.order_for_party(user=request.user, pk=pk)
    try:
        write(order=order, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success_message)
    return redirect("orders:detail", pk=order.pk)


@login_required
@require_POST
def order_deliver(request, pk: int):
    return _apply(request, pk, order_writes.order_deliver, _("The order is marked as delivered."))


@login_required
@require_POST
def order_complete(request, pk: int):
    return _apply(request, pk, order_writes.order_complete, _("The order is completed. Thank you!"))


def _form_failed(request, order, form, field_errors: ValidationError | None = None, **forms_by_name):
    if field_errors is not None:
        if hasattr(field_errors, "error_dict"):
            for field, errors in field_errors.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, field_errors)
    return _render_detail(request, order, status=400, **forms_by_name)


@login_required
@require_POST
def order_cancel(request, pk: int):
    order = selectors.order_for_party(user=request.user, pk=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _form_failed(request, order, form, cancel_form=form)
    try:
        order_writes.order_cancel(order=order, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        return _form_failed(request, order, form, error, cancel_form=form)

    messages.success(request, _("The order is cancelled."))
    return redirect("orders:detail", pk=order.pk)


@login_required
@require_POST
def review_create(request, pk: int):
    order = selectors.order_for_party(user=request.user, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _form_failed(request, order, form, review_form=form)
    try:
        order_writes.review_create(order=order, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _form_failed(request, order, form, error, review_form=form)

    messages.success(request, _("Thank you for your review."))
    return redirect("orders:detail", pk=order.pk)
