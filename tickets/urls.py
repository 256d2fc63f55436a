from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("tickets", views.TicketListView.as_view(), name="list"),
    path("tickets/bulk", views.TicketBulkUpdateView.as_view(), name="bulk"),
    path("tickets/new", views.TicketCreateView.as_view(), name="create"),
    path("tickets/requesters", views.RequesterSearchView.as_view(), name="requester_search"),
    path("tickets/subcategories", views.SubcategoryOptionsView.as_view(), name="subcategory_options"),
    path("tickets/<int:number>", views.TicketDetailView.as_view(), name="detail"),
    path("tickets/<int:number>/fields", views.TicketFieldsView.as_view(), name="fields"),
    path("tickets/<int:number>/reply", views.TicketReplyView.as_view(), name="reply"),
    path("tickets/<int:number>/history", views.TicketHistoryView.as_view(), name="history"),
    path(
        "tickets/<int:number>/attachments/<uuid:pk>",
        views.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
    path("dashboard", views.DashboardView.as_view(), name="dashboard"),
]
