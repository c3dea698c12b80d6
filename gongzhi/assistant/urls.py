from django.urls import path

from . import views

urlpatterns = [
    path("assistant/", views.chat, name="assistant_chat"),
    path("assistant/ask/", views.chat_ask, name="assistant_chat_ask"),
    path(
        "assistant/exchanges/<int:pk>/handoff/", views.chat_handoff, name="assistant_chat_handoff"
    ),
    path("console/kb/", views.kb_list, name="kb_list"),
    path("console/kb/new/", views.kb_edit, name="kb_new"),
    path("console/kb/export.xlsx", views.kb_export, name="kb_export"),
    path("console/kb/import/", views.kb_import, name="kb_import"),
    path("console/kb/<int:pk>/", views.kb_edit, name="kb_edit"),
    path("console/assistant/", views.insights, name="assistant_insights"),
    path("console/assistant/exchanges/<int:pk>/correct/", views.correct, name="assistant_correct"),
]
