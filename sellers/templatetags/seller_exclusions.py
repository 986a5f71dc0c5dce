"""Template tags that let order and inquiry pages offer the seller an exclusion request."""

from django import template

from sellers import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def exclusion_request_possible(context, *, order=None, conversation=None) -> bool:
    """Return whether the signed-in user may ask to exclude ``order`` or ``conversation`` now."""
    user = context["request"].user
    if not user.is_authenticated:
        return False
    return selectors.exclusion_request_possible(user=user, order=order, conversation=conversation)
