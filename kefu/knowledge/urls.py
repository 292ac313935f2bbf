from django.urls import path, register_converter

from kefu.knowledge import views


class HelpLanguage:
    regex = "en|zh-hans|zh-hant"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(HelpLanguage, "helplang")

app_name = "help"

urlpatterns = [
    path("", views.root, name="root"),
    path("<helplang:language>/", views.home, name="home"),
    path("<helplang:language>/search/", views.search_page, name="search"),
    path("<helplang:language>/c/<slug:slug>/", views.category, name="category"),
    path("<helplang:language>/a/<slug:slug>/", views.article, name="article"),
    path("<helplang:language>/a/<slug:slug>/vote", views.vote, name="vote"),
]
