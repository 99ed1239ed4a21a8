from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Classroom,
    Holiday,
    Office,
    RoleAssignment,
    School,
    SchoolYear,
    Subject,
    SubjectGroup,
    User,
)


@admin.register(User)
class StaffAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "full_name", "school", "office", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (None, {"fields": ["full_name", "phone", "school", "office", "must_change_password"]}),
    ]


admin.site.register(Office, SimpleHistoryAdmin)
admin.site.register(School, SimpleHistoryAdmin)
admin.site.register(SchoolYear, SimpleHistoryAdmin)
admin.site.register(Holiday, SimpleHistoryAdmin)
admin.site.register(Subject)
admin.site.register(SubjectGroup, SimpleHistoryAdmin)
admin.site.register(Classroom, SimpleHistoryAdmin)
admin.site.register(RoleAssignment, SimpleHistoryAdmin)
