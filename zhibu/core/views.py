from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from zhibu.accounts.reach import reaches

from .nav import registry


@login_required
def home(request):
    """What this person has to do now, gathered from every area."""
    todos = []
    for provider in registry.todo_providers:
        todos.extend(provider(request.user))
    todos.sort(key=lambda t: t.get("priority", 50))
    grants = request.user.grants.select_related("role", "district", "town", "branch")
    return render(request, "home.html", {"todos": todos, "grants": grants, "reaches": reaches(request.user)})


def health(request):
    """For the load balancer: the application answers and its database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
