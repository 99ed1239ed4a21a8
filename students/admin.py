from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Enrollment, Guardian, Student


@admin.register(Student)
class StudentAdmin(SimpleHistoryAdmin):
    list_display = ["code", "family_name", "given_name", "school"]
    search_fields = ["code", "search_name"]


admin.site.register(Guardian, SimpleHistoryAdmin)
admin.site.register(Enrollment, SimpleHistoryAdmin)
