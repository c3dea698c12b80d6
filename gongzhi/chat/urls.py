from django.urls import path

from . import views

urlpatterns = [
    path("chats/", views.my_chats, name="chat_list"),
    path("chats/<int:group_id>/", views.room, name="chat_room"),
    path("console/broadcasts/", views.broadcasts, name="chat_broadcasts"),
    path("console/groups/metrics/", views.metrics_page, name="chat_metrics_page"),
]
