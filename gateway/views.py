"""Gateway pages. For now: the challenge link shows the challenge's state."""
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from customers.links import challenge_link_token_valid
from customers.models import Challenge


def open_link(request: HttpRequest, challenge_id, token: str) -> HttpResponse:  # noqa: ANN001
    if not challenge_link_token_valid(challenge_id=challenge_id, token=token):
        return render(request, "gateway/invalid.html", status=404)
    challenge = get_object_or_404(Challenge, pk=challenge_id)
    return render(request, "gateway/state.html", {"challenge": challenge})
