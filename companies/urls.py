from django.urls import path

from companies import views

app_name = "companies"

urlpatterns = [
    path("customers", views.CustomerListView.as_view(), name="list"),
    path("customers/parents/<uuid:pk>", views.ParentCompanyDetailView.as_view(), name="parent_company"),
    path("customers/companies/<uuid:pk>", views.CompanyDetailView.as_view(), name="company"),
    path("customers/contacts/<uuid:pk>", views.ContactDetailView.as_view(), name="contact"),
]
