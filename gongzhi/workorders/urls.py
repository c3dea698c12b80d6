from django.urls import path

from . import views

urlpatterns = [
    path("orders/", views.my_orders, name="order_mine"),
    path("orders/new/", views.new_order, name="order_new"),
    path("orders/<int:pk>/", views.my_order, name="order_mine_detail"),
    path("orders/<int:pk>/act/", views.my_order_act, name="order_mine_act"),
    path("orders/attachments/<int:pk>/", views.attachment, name="order_attachment"),
    path("notifications/", views.notifications, name="notifications_page"),
    path(
        "public/communities/<int:community_id>/resolved/",
        views.public_resolved,
        name="order_public",
    ),
    path("console/orders/", views.inbox, name="order_inbox"),
    path("console/orders/new/", views.staff_new, name="order_staff_new"),
    path("console/orders/export.xlsx", views.export, name="order_export"),
    path("console/orders/bulk-dispatch/", views.bulk_dispatch, name="order_bulk_dispatch"),
    path("console/orders/<int:pk>/", views.staff_detail, name="order_staff_detail"),
    path("console/orders/<int:pk>/act/", views.staff_act, name="order_staff_act"),
]
