from django.urls import path

from . import views

urlpatterns = [
    path("wechat/", views.wechat_callback, name="channel_wechat"),
    path("wecom/", views.wecom_callback, name="channel_wecom"),
    path("bind/", views.bind, name="channel_bind"),
]
