"""What every role gets from every page and JSON API operation (tests/security/test_access_matrix.py).

One row per endpoint: R(obj, anon=…, rest=…, allow={outcome: "role role …"}):
* obj: the kind of object the endpoint's ids name ("appeal": the matrix's appeal, in scope of the
  district's region-wide roles and out of scope of the east supervisor, both handlers and the east
  grid's worker; None: an id no row has, so everyone must get a 404 or be refused before);
* anon: what someone not signed in gets ("login" = sent to sign in; 401 for the API without a token);
* rest: what every signed-in role gets unless `allow` names it; allow: the roles that get something
  else (200 = the page opens; 405 = the door is open but the page takes only POST; 302 = sent on).
Roles: tests/security/matrix.py ROLES. A state-changing API operation lists `anon` only: its roles
are checked by its own tests, as a valid body is needed to get past validation to the service.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class R:
    obj: str | None
    anon: object = None
    rest: object = None
    allow: dict = field(default_factory=dict)

    def expect(self, role: str):
        if role == "anonymous":
            return self.anon
        for got, roles in self.allow.items():
            if role in roles.split():
                return got
        return self.rest


def write(rows: dict) -> None:
    """Rewrite TABLE below from what the site answers (GONGZHI_MATRIX_WRITE=1)."""
    from pathlib import Path

    path = Path(__file__)
    text = path.read_text(encoding="utf-8")
    head = text[: text.index("\nTABLE = {\n") + 1]
    lines = ["TABLE = {"]
    for key in sorted(rows):
        row, route = rows[key]
        parts = [repr(row.obj), f"anon={row.anon!r}"]
        if row.rest is not None:
            parts.append(f"rest={row.rest!r}")
        if row.allow:
            parts.append("allow={" + ", ".join(f"{k!r}: {v!r}" for k, v in sorted(row.allow.items(), key=str)) + "}")
        lines.append(f"    {key!r}: R({', '.join(parts)}),  # {route}")
    lines.append("}")
    path.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")


TABLE = {
    '<unnamed open311/v2/^.*$>': R(None, anon=404, rest=404),  # open311/v2/^.*$
    'DELETE /api/v1/proposals/{proposal_id}/support': R('proposal', anon=401, rest=404, allow={409: 'citizen operator dispatcher supervisor leader admin'}),  # /api/v1/proposals/{proposal_id}/support
    'DELETE /api/v1/webhooks/{webhook_id}': R(None, anon=401, rest=404),  # /api/v1/webhooks/{webhook_id}
    'GET /api/v1/appeals': R(None, anon=401, rest=200),  # /api/v1/appeals
    'GET /api/v1/appeals/{appeal_id}': R('appeal', anon=401, rest=200, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}
    'GET /api/v1/appeals/{appeal_id}/events': R('appeal', anon=401, rest=200, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/events
    'GET /api/v1/categories': R(None, anon=401, rest=200),  # /api/v1/categories
    'GET /api/v1/community-task-catalogue': R(None, anon=401, rest=200),  # /api/v1/community-task-catalogue
    'GET /api/v1/community-tasks': R(None, anon=401, rest=200),  # /api/v1/community-tasks
    'GET /api/v1/consultations': R(None, anon=401, rest=200),  # /api/v1/consultations
    'GET /api/v1/consultations/{consultation_id}': R(None, anon=401, rest=404),  # /api/v1/consultations/{consultation_id}
    'GET /api/v1/departments': R(None, anon=401, rest=200),  # /api/v1/departments
    'GET /api/v1/disputes': R(None, anon=401, rest=200),  # /api/v1/disputes
    'GET /api/v1/disputes/{dispute_id}': R('dispute', anon=401, rest=200, allow={404: 'citizen handler other_handler east_supervisor grid_worker west_grid_worker east_analyst'}),  # /api/v1/disputes/{dispute_id}
    'GET /api/v1/emergency/incidents': R(None, anon=401, rest=200),  # /api/v1/emergency/incidents
    'GET /api/v1/emergency/incidents/{incident_id}': R('incident', anon=401, rest=404, allow={200: 'handler supervisor leader emergency admin'}),  # /api/v1/emergency/incidents/{incident_id}
    'GET /api/v1/emergency/warnings.atom': R(None, anon=200, rest=200),  # /api/v1/emergency/warnings.atom
    'GET /api/v1/emergency/warnings/{warning_id}.cap': R(None, anon=404, rest=404),  # /api/v1/emergency/warnings/{warning_id}.cap
    'GET /api/v1/grids': R(None, anon=401, rest=200),  # /api/v1/grids
    'GET /api/v1/kpis/ranking': R(None, anon=401, rest=403, allow={200: 'supervisor east_supervisor leader admin'}),  # /api/v1/kpis/ranking
    'GET /api/v1/me': R(None, anon=401, rest=200),  # /api/v1/me
    'GET /api/v1/moderation': R(None, anon=401, rest=403, allow={200: 'operator supervisor east_supervisor admin'}),  # /api/v1/moderation
    'GET /api/v1/petitions': R(None, anon=401, rest=200),  # /api/v1/petitions
    'GET /api/v1/petitions/{petition_id}': R('petition', anon=401, rest=404, allow={200: 'supervisor leader petition admin'}),  # /api/v1/petitions/{petition_id}
    'GET /api/v1/proposals': R(None, anon=401, rest=200),  # /api/v1/proposals
    'GET /api/v1/proposals/{proposal_id}': R('proposal', anon=401, rest=404, allow={200: 'citizen operator dispatcher supervisor leader admin'}),  # /api/v1/proposals/{proposal_id}
    'GET /api/v1/proposals/{proposal_id}/events': R('proposal', anon=401, rest=404, allow={200: 'citizen operator dispatcher supervisor leader admin'}),  # /api/v1/proposals/{proposal_id}/events
    'GET /api/v1/regions': R(None, anon=401, rest=200),  # /api/v1/regions
    'GET /api/v1/surveys': R(None, anon=401, rest=200),  # /api/v1/surveys
    'GET /api/v1/surveys/{survey_id}': R(None, anon=401, rest=404),  # /api/v1/surveys/{survey_id}
    'GET /api/v1/surveys/{survey_id}/results': R(None, anon=401, rest=404),  # /api/v1/surveys/{survey_id}/results
    'GET /api/v1/webhooks': R(None, anon=401, rest=200),  # /api/v1/webhooks
    'GET /api/v1/webhooks/{webhook_id}/deliveries': R(None, anon=401, rest=404),  # /api/v1/webhooks/{webhook_id}/deliveries
    'POST /api/v1/appeals': R(None, anon=401, rest=201),  # /api/v1/appeals
    'POST /api/v1/appeals/{appeal_id}/acknowledge': R('appeal', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/acknowledge
    'POST /api/v1/appeals/{appeal_id}/close': R('appeal', anon=401, rest=409, allow={200: 'operator dispatcher supervisor admin', 404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/close
    'POST /api/v1/appeals/{appeal_id}/dispatch': R('appeal', anon=401, rest=409, allow={200: 'dispatcher admin', 404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/dispatch
    'POST /api/v1/appeals/{appeal_id}/extensions': R('appeal', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/extensions
    'POST /api/v1/appeals/{appeal_id}/extensions/{extension_id}/decision': R('appeal', anon=401, rest=404),  # /api/v1/appeals/{appeal_id}/extensions/{extension_id}/decision
    'POST /api/v1/appeals/{appeal_id}/follow-up': R('appeal', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/follow-up
    'POST /api/v1/appeals/{appeal_id}/merge': R('appeal', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/merge
    'POST /api/v1/appeals/{appeal_id}/notes': R('appeal', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/notes
    'POST /api/v1/appeals/{appeal_id}/recategorize': R('appeal', anon=401, rest=422, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/recategorize
    'POST /api/v1/appeals/{appeal_id}/reopen': R('appeal', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/reopen
    'POST /api/v1/appeals/{appeal_id}/reply': R('appeal', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/reply
    'POST /api/v1/appeals/{appeal_id}/return': R('appeal', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/return
    'POST /api/v1/appeals/{appeal_id}/reveal': R('appeal', anon=401, rest=409, allow={200: 'operator dispatcher supervisor admin', 404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/reveal
    'POST /api/v1/appeals/{appeal_id}/supervise': R('appeal', anon=401, rest=409, allow={200: 'supervisor leader admin', 404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/supervise
    'POST /api/v1/appeals/{appeal_id}/urge': R('appeal', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # /api/v1/appeals/{appeal_id}/urge
    'POST /api/v1/community-tasks': R(None, anon=401, rest=409, allow={201: 'handler admin'}),  # /api/v1/community-tasks
    'POST /api/v1/community-tasks/{task_id}/complete': R(None, anon=401, rest=404),  # /api/v1/community-tasks/{task_id}/complete
    'POST /api/v1/consultations': R(None, anon=401, rest=409, allow={201: 'handler admin'}),  # /api/v1/consultations
    'POST /api/v1/consultations/{consultation_id}/close': R(None, anon=401, rest=404),  # /api/v1/consultations/{consultation_id}/close
    'POST /api/v1/consultations/{consultation_id}/comments/{comment_id}/decision': R(None, anon=401, rest=404),  # /api/v1/consultations/{consultation_id}/comments/{comment_id}/decision
    'POST /api/v1/consultations/{consultation_id}/report': R(None, anon=401, rest=404),  # /api/v1/consultations/{consultation_id}/report
    'POST /api/v1/consultations/{consultation_id}/sections/{section_id}/comments': R(None, anon=401, rest=404),  # /api/v1/consultations/{consultation_id}/sections/{section_id}/comments
    'POST /api/v1/disputes': R(None, anon=401, rest=201),  # /api/v1/disputes
    'POST /api/v1/disputes/{dispute_id}/accept': R('dispute', anon=401, rest=409, allow={200: 'mediator admin', 404: 'citizen handler other_handler east_supervisor grid_worker west_grid_worker east_analyst'}),  # /api/v1/disputes/{dispute_id}/accept
    'POST /api/v1/disputes/{dispute_id}/assign': R('dispute', anon=401, rest=404, allow={200: 'supervisor leader admin', 409: 'operator dispatcher mediator petition analyst informant emergency'}),  # /api/v1/disputes/{dispute_id}/assign
    'POST /api/v1/disputes/{dispute_id}/close': R('dispute', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker west_grid_worker east_analyst'}),  # /api/v1/disputes/{dispute_id}/close
    'POST /api/v1/disputes/{dispute_id}/fail': R('dispute', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker west_grid_worker east_analyst'}),  # /api/v1/disputes/{dispute_id}/fail
    'POST /api/v1/disputes/{dispute_id}/follow-up': R('dispute', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker west_grid_worker east_analyst'}),  # /api/v1/disputes/{dispute_id}/follow-up
    'POST /api/v1/disputes/{dispute_id}/refer': R('dispute', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker west_grid_worker east_analyst'}),  # /api/v1/disputes/{dispute_id}/refer
    'POST /api/v1/disputes/{dispute_id}/referral-result': R('dispute', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker west_grid_worker east_analyst'}),  # /api/v1/disputes/{dispute_id}/referral-result
    'POST /api/v1/disputes/{dispute_id}/reveal': R('dispute', anon=401, rest=404, allow={200: 'supervisor mediator petition admin', 409: 'operator dispatcher leader analyst informant emergency'}),  # /api/v1/disputes/{dispute_id}/reveal
    'POST /api/v1/disputes/{dispute_id}/risk': R('dispute', anon=401, rest=404, allow={200: 'supervisor leader mediator admin', 409: 'operator dispatcher petition analyst informant emergency'}),  # /api/v1/disputes/{dispute_id}/risk
    'POST /api/v1/disputes/{dispute_id}/sessions': R('dispute', anon=401, rest=422, allow={404: 'citizen handler other_handler east_supervisor grid_worker west_grid_worker east_analyst'}),  # /api/v1/disputes/{dispute_id}/sessions
    'POST /api/v1/disputes/{dispute_id}/settle': R('dispute', anon=401, rest=409, allow={404: 'citizen handler other_handler east_supervisor grid_worker west_grid_worker east_analyst'}),  # /api/v1/disputes/{dispute_id}/settle
    'POST /api/v1/emergency/incidents': R(None, anon=401, rest=201),  # /api/v1/emergency/incidents
    'POST /api/v1/emergency/tasks/{task_id}': R('emergency_task', anon=401, rest=404, allow={200: 'handler emergency admin', 409: 'supervisor leader'}),  # /api/v1/emergency/tasks/{task_id}
    'POST /api/v1/grid/reports': R(None, anon=401, rest=404, allow={201: 'grid_worker', 422: 'west_grid_worker'}),  # /api/v1/grid/reports
    'POST /api/v1/moderation/{moderation_id}/appeal': R(None, anon=401, rest=404),  # /api/v1/moderation/{moderation_id}/appeal
    'POST /api/v1/moderation/{moderation_id}/decision': R(None, anon=401, rest=403, allow={404: 'operator supervisor east_supervisor admin'}),  # /api/v1/moderation/{moderation_id}/decision
    'POST /api/v1/petitions': R(None, anon=401, rest=201),  # /api/v1/petitions
    'POST /api/v1/petitions/{petition_id}/accept': R('petition', anon=401, rest=404, allow={200: 'petition admin', 409: 'supervisor leader'}),  # /api/v1/petitions/{petition_id}/accept
    'POST /api/v1/petitions/{petition_id}/answer': R('petition', anon=401, rest=404, allow={409: 'supervisor leader petition admin'}),  # /api/v1/petitions/{petition_id}/answer
    'POST /api/v1/petitions/{petition_id}/decline': R('petition', anon=401, rest=404, allow={200: 'petition admin', 409: 'supervisor leader'}),  # /api/v1/petitions/{petition_id}/decline
    'POST /api/v1/petitions/{petition_id}/extend': R('petition', anon=401, rest=404, allow={409: 'supervisor leader petition admin'}),  # /api/v1/petitions/{petition_id}/extend
    'POST /api/v1/petitions/{petition_id}/link': R('petition', anon=401, rest=404, allow={200: 'petition admin', 409: 'supervisor leader'}),  # /api/v1/petitions/{petition_id}/link
    'POST /api/v1/petitions/{petition_id}/reexamine': R('petition', anon=401, rest=404, allow={409: 'supervisor leader petition admin'}),  # /api/v1/petitions/{petition_id}/reexamine
    'POST /api/v1/petitions/{petition_id}/request-reexam': R('petition', anon=401, rest=404, allow={409: 'supervisor leader petition admin'}),  # /api/v1/petitions/{petition_id}/request-reexam
    'POST /api/v1/petitions/{petition_id}/request-review': R('petition', anon=401, rest=404, allow={409: 'supervisor leader petition admin'}),  # /api/v1/petitions/{petition_id}/request-review
    'POST /api/v1/petitions/{petition_id}/reveal': R('petition', anon=401, rest=404, allow={200: 'petition admin', 409: 'supervisor leader'}),  # /api/v1/petitions/{petition_id}/reveal
    'POST /api/v1/petitions/{petition_id}/review': R('petition', anon=401, rest=404, allow={409: 'supervisor leader petition admin'}),  # /api/v1/petitions/{petition_id}/review
    'POST /api/v1/proposals': R(None, anon=401, rest=201),  # /api/v1/proposals
    'POST /api/v1/proposals/{proposal_id}/answer': R('proposal', anon=401, rest=404, allow={409: 'citizen operator dispatcher supervisor leader admin'}),  # /api/v1/proposals/{proposal_id}/answer
    'POST /api/v1/proposals/{proposal_id}/assign': R('proposal', anon=401, rest=404, allow={409: 'citizen operator dispatcher supervisor leader admin'}),  # /api/v1/proposals/{proposal_id}/assign
    'POST /api/v1/proposals/{proposal_id}/complete': R('proposal', anon=401, rest=404, allow={409: 'citizen operator dispatcher supervisor leader admin'}),  # /api/v1/proposals/{proposal_id}/complete
    'POST /api/v1/proposals/{proposal_id}/photos': R('proposal', anon=401, rest=422),  # /api/v1/proposals/{proposal_id}/photos
    'POST /api/v1/proposals/{proposal_id}/progress': R('proposal', anon=401, rest=404, allow={409: 'citizen operator dispatcher supervisor leader admin'}),  # /api/v1/proposals/{proposal_id}/progress
    'POST /api/v1/proposals/{proposal_id}/support': R('proposal', anon=401, rest=404, allow={409: 'citizen operator dispatcher supervisor leader admin'}),  # /api/v1/proposals/{proposal_id}/support
    'POST /api/v1/surveys': R(None, anon=401, rest=409, allow={201: 'admin'}),  # /api/v1/surveys
    'POST /api/v1/surveys/{survey_id}/responses': R(None, anon=401, rest=404),  # /api/v1/surveys/{survey_id}/responses
    'POST /api/v1/webhooks': R(None, anon=401, rest=403, allow={422: 'admin'}),  # /api/v1/webhooks
    'POST /api/v1/webhooks/{webhook_id}/enable': R(None, anon=401, rest=404),  # /api/v1/webhooks/{webhook_id}/enable
    'POST confirm_mail': R(None, anon=404, rest=404),  # accounts/confirm/mail/
    'POST confirm_reply': R(None, anon=404, rest=404),  # accounts/confirm/reply/
    'POST disputes:appeal_care': R(None, anon='login', rest=404),  # disputes/from-appeal/<int:pk>/care/
    'POST disputes:dispute_action': R('dispute', anon='login', rest=404, allow={302: 'supervisor leader mediator petition admin'}),  # disputes/<int:pk>/<slug:action>/
    'POST disputes:dispute_care': R('dispute', anon='login', rest=404),  # disputes/<int:pk>/care/
    'POST disputes:from_appeal': R('appeal', anon='login', rest=404, allow={302: 'operator dispatcher supervisor west_grid_worker mediator petition admin'}),  # disputes/from-appeal/<int:appeal_id>/
    'POST disputes:petition_action': R('petition', anon='login', rest=404, allow={302: 'supervisor leader petition admin'}),  # disputes/petitions/<int:pk>/<slug:action>/
    'POST disputes:petition_care': R('petition', anon='login', rest=404, allow={302: 'supervisor leader petition admin'}),  # disputes/petitions/<int:pk>/care/
    'POST disputes:reception_action': R(None, anon='login', rest=404, allow={302: 'supervisor east_supervisor leader petition admin'}),  # disputes/reception/<slug:action>/
    'POST disputes:reveal_party': R('dispute', anon='login', rest=404, allow={200: 'supervisor mediator petition admin', 403: 'leader'}),  # disputes/<int:pk>/parties/<int:party_id>/reveal/<slug:field>/
    'POST disputes:reveal_petitioner': R('petition', anon='login', rest=404, allow={200: 'petition admin', 403: 'supervisor leader'}),  # disputes/petitions/<int:pk>/reveal/<slug:field>/
    'POST disputes:task_report': R(None, anon='login', rest=404),  # disputes/screening/tasks/<int:pk>/report/
    'POST emergency:drill_new': R(None, anon='login', rest=404),  # emergency/plans/<int:pk>/drills/
    'POST emergency:incident_action': R('incident', anon='login', rest=404, allow={302: 'handler supervisor leader emergency admin'}),  # emergency/incidents/<int:pk>/<slug:action>/
    'POST emergency:plan_task_delete': R(None, anon='login', rest=404),  # emergency/plans/<int:pk>/tasks/<int:template_id>/delete/
    'POST emergency:task_update': R('emergency_task', anon='login', rest=404, allow={302: 'handler supervisor leader emergency admin'}),  # emergency/tasks/<int:pk>/
    'POST evaluation:follow_up_phone': R(None, anon='login', rest=404),  # evaluation/follow-up/<int:pk>/phone/
    'POST grid:activity_new': R(None, anon='login', rest=404),  # grid/organisations/<int:pk>/activities/
    'POST grid:field_sync': R(None, anon='login', rest=404, allow={400: 'grid_worker west_grid_worker'}),  # grid/m/sync/
    'POST grid:reveal_contact': R(None, anon='login', rest=404),  # grid/reveal/<slug:kind>/<int:pk>/<slug:field>/
    'POST grid:reveal_resident': R('resident', anon='login', rest=404, allow={200: 'grid_worker'}),  # grid/residents/<int:pk>/reveal/<slug:field>/
    'POST grid:resident_move_out': R('resident', anon='login', rest=404, allow={400: 'grid_worker'}),  # grid/residents/<int:pk>/move-out/
    'POST grid:task_action': R(None, anon='login', rest=404),  # grid/tasks/<int:pk>/<slug:action>/
    'POST grid:worker_action': R(None, anon='login', rest=404),  # grid/workers/<int:grid>/<slug:action>/
    'POST logout': R(None, anon=302, rest=302),  # accounts/logout/
    'POST participation:consultation_comment': R(None, anon=404, rest=404),  # participation/consultations/<int:pk>/sections/<int:section_id>/comment/
    'POST participation:moderation_action': R(None, anon='login', rest=404),  # participation/staff/moderation/<int:pk>/<slug:action>/
    'POST participation:moderation_appeal': R(None, anon=404, rest=404),  # participation/moderation/<int:pk>/appeal/
    'POST participation:proposal_support': R('proposal', anon=404, rest=404, allow={302: 'citizen'}),  # participation/proposals/<int:pk>/support/
    'POST participation:staff_consultation_action': R(None, anon='login', rest=404),  # participation/staff/consultations/<int:pk>/<slug:action>/
    'POST participation:staff_proposal_action': R('proposal', anon='login', rest=404, allow={302: 'operator dispatcher supervisor leader admin'}),  # participation/staff/proposals/<int:pk>/<slug:action>/
    'POST participation:staff_proposal_reveal': R('proposal', anon='login', rest=404, allow={200: 'dispatcher supervisor admin', 302: 'operator leader'}),  # participation/staff/proposals/<int:pk>/reveal/
    'POST participation:staff_survey_action': R(None, anon='login', rest=404),  # participation/staff/surveys/<int:pk>/<slug:action>/
    'POST portal:rate': R('appeal', anon=302, rest=302),  # track/<str:tracking_number>/rate/
    'POST safety:bulletin_send': R(None, anon='login', rest=403, allow={404: 'leader analyst east_analyst admin'}),  # safety/bulletins/<str:day>/send/
    'POST safety:incident_status': R('safety_incident', anon='login', rest=403, allow={302: 'leader analyst admin', 404: 'east_analyst'}),  # safety/incidents/<int:pk>/status/
    'POST safety:informant_report': R(None, anon='login', rest=403, allow={404: 'informant'}),  # safety/informants/<int:pk>/report/
    'POST staff:appeal_action': R('appeal', anon='login', rest=400, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # staff/appeals/<int:pk>/<slug:action>/
    'POST staff:appeal_to_incident': R('appeal', anon='login', rest=404, allow={302: 'supervisor leader west_grid_worker emergency admin'}),  # staff/appeals/<int:pk>/to-incident/
    'POST staff:bulk_action': R(None, anon='login', rest=302, allow={404: 'citizen'}),  # staff/appeals/bulk/
    'POST staff:desk_answer': R(None, anon='login', rest=404, allow={400: 'operator admin'}),  # staff/desk/answer/
    'POST staff:desk_history': R(None, anon='login', rest=404, allow={200: 'operator admin'}),  # staff/desk/history/
    'POST staff:desk_live': R(None, anon='login', rest=404, allow={200: 'operator admin'}),  # staff/desk/live/
    'POST staff:desk_places': R(None, anon='login', rest=404, allow={200: 'operator admin'}),  # staff/desk/places/
    'POST staff:knowledge_toggle': R(None, anon='login', rest=404),  # staff/knowledge/<int:pk>/toggle/
    'POST staff:notifications_read': R(None, anon='login', rest=302, allow={404: 'citizen'}),  # staff/notifications/read/
    'POST staff:reply_check': R('appeal', anon='login', rest=404, allow={200: 'admin'}),  # staff/appeals/<int:pk>/reply-check/
    'POST staff:reveal': R('appeal', anon='login', rest=403, allow={200: 'operator dispatcher supervisor admin', 404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # staff/appeals/<int:pk>/reveal/<slug:field>/
    'POST triage:alert_action': R(None, anon='login', rest=404),  # triage/alerts/<int:pk>/act/
    'admin:index': R(None, anon='login', rest='login'),  # admin/
    'after_login': R(None, anon=302, rest=302),  # accounts/welcome/
    'api-v1:api-root': R(None, anon=404, rest=404),  # api/v1/
    'api-v1:openapi-json': R(None, anon=200, rest=200),  # api/v1/openapi.json
    'api-v1:openapi-view': R(None, anon=200, rest=200),  # api/v1/docs
    'confirm_link': R(None, anon=404, rest=404),  # accounts/confirm/<str:token>/
    'confirm_mail': R(None, anon=405, rest=405),  # accounts/confirm/mail/
    'confirm_reply': R(None, anon=405, rest=405),  # accounts/confirm/reply/
    'disputes:agreement_docx': R('dispute', anon='login', rest=404, allow={302: 'supervisor leader mediator petition admin'}),  # disputes/<int:pk>/agreement.docx
    'disputes:appeal_care': R(None, anon=405, rest=405),  # disputes/from-appeal/<int:pk>/care/
    'disputes:campaign_detail': R(None, anon='login', rest=404),  # disputes/screening/<int:pk>/
    'disputes:campaign_list': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader grid_worker west_grid_worker mediator admin'}),  # disputes/screening/
    'disputes:campaign_new': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader admin'}),  # disputes/screening/new/
    'disputes:care_referral': R(None, anon=404, rest=404),  # disputes/care/<int:pk>/
    'disputes:dispute_action': R('dispute', anon=405, rest=405),  # disputes/<int:pk>/<slug:action>/
    'disputes:dispute_care': R('dispute', anon=405, rest=405),  # disputes/<int:pk>/care/
    'disputes:dispute_detail': R('dispute', anon='login', rest=404, allow={200: 'supervisor leader mediator petition admin'}),  # disputes/<int:pk>/
    'disputes:dispute_list': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader grid_worker west_grid_worker mediator petition admin'}),  # disputes/
    'disputes:dispute_new': R(None, anon='login', rest=200, allow={404: 'citizen handler other_handler leader analyst east_analyst informant emergency'}),  # disputes/new/
    'disputes:from_appeal': R('appeal', anon=405, rest=405),  # disputes/from-appeal/<int:appeal_id>/
    'disputes:map': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader grid_worker west_grid_worker mediator petition admin'}),  # disputes/map/
    'disputes:petition_action': R('petition', anon=405, rest=405),  # disputes/petitions/<int:pk>/<slug:action>/
    'disputes:petition_care': R('petition', anon=405, rest=405),  # disputes/petitions/<int:pk>/care/
    'disputes:petition_detail': R('petition', anon='login', rest=404, allow={200: 'supervisor leader petition admin'}),  # disputes/petitions/<int:pk>/
    'disputes:petition_list': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader petition admin'}),  # disputes/petitions/
    'disputes:petition_new': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader petition admin'}),  # disputes/petitions/new/
    'disputes:reception_action': R(None, anon=405, rest=405),  # disputes/reception/<slug:action>/
    'disputes:reception_list': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader petition admin'}),  # disputes/reception/
    'disputes:reveal_party': R('dispute', anon=405, rest=405),  # disputes/<int:pk>/parties/<int:party_id>/reveal/<slug:field>/
    'disputes:reveal_petitioner': R('petition', anon=405, rest=405),  # disputes/petitions/<int:pk>/reveal/<slug:field>/
    'disputes:task_detail': R(None, anon='login', rest=404),  # disputes/screening/tasks/<int:pk>/
    'disputes:task_report': R(None, anon=405, rest=405),  # disputes/screening/tasks/<int:pk>/report/
    'emergency:coverage': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader emergency admin'}),  # emergency/coverage/
    'emergency:device_edit': R(None, anon='login', rest=404),  # emergency/devices/<int:pk>/
    'emergency:device_new': R(None, anon='login', rest=404, allow={200: 'emergency admin'}),  # emergency/devices/new/
    'emergency:devices': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader emergency admin'}),  # emergency/devices/
    'emergency:drill_new': R(None, anon='login', rest=404, allow={405: 'supervisor east_supervisor leader emergency admin'}),  # emergency/plans/<int:pk>/drills/
    'emergency:incident_action': R('incident', anon='login', rest=405, allow={404: 'citizen operator dispatcher mediator petition analyst east_analyst informant'}),  # emergency/incidents/<int:pk>/<slug:action>/
    'emergency:incident_board': R('incident', anon='login', rest=404, allow={200: 'handler supervisor leader emergency admin'}),  # emergency/incidents/<int:pk>/board/
    'emergency:incident_detail': R('incident', anon='login', rest=404, allow={200: 'handler supervisor leader emergency admin'}),  # emergency/incidents/<int:pk>/
    'emergency:incident_list': R(None, anon='login', rest=200, allow={404: 'citizen operator dispatcher mediator petition analyst east_analyst informant'}),  # emergency/
    'emergency:incident_new': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader grid_worker west_grid_worker emergency admin'}),  # emergency/incidents/new/
    'emergency:plan_document': R(None, anon='login', rest=404),  # emergency/plans/<int:pk>/document/
    'emergency:plan_edit': R(None, anon='login', rest=404),  # emergency/plans/<int:pk>/
    'emergency:plan_new': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader emergency admin'}),  # emergency/plans/new/
    'emergency:plan_task_delete': R(None, anon='login', rest=404, allow={405: 'supervisor east_supervisor leader emergency admin'}),  # emergency/plans/<int:pk>/tasks/<int:template_id>/delete/
    'emergency:plan_tasks': R(None, anon='login', rest=404),  # emergency/plans/<int:pk>/tasks/
    'emergency:resources': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader emergency admin'}),  # emergency/resources/
    'emergency:review_docx': R('incident', anon='login', rest=404),  # emergency/incidents/<int:pk>/review.docx
    'emergency:supply_requests': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader emergency admin'}),  # emergency/supplies/requests/
    'emergency:task_update': R('emergency_task', anon='login', rest=405, allow={404: 'citizen operator dispatcher mediator petition analyst east_analyst informant'}),  # emergency/tasks/<int:pk>/
    'emergency:team': R(None, anon='login', rest=404),  # emergency/teams/<int:pk>/
    'emergency:teams': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader emergency admin'}),  # emergency/teams/
    'emergency:unit_edit': R(None, anon='login', rest=404),  # emergency/units/<int:pk>/
    'emergency:units': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader emergency admin'}),  # emergency/units/
    'emergency:warehouse': R(None, anon='login', rest=404),  # emergency/warehouses/<int:pk>/
    'emergency:warehouses': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader emergency admin'}),  # emergency/warehouses/
    'evaluation:department': R(None, anon='login', rest=404),  # evaluation/department/<int:pk>/
    'evaluation:drill': R(None, anon='login', rest=200),  # evaluation/appeals/
    'evaluation:exclusions': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader admin'}),  # evaluation/exclusions/
    'evaluation:follow_up': R(None, anon='login', rest=404, allow={200: 'operator dispatcher supervisor east_supervisor admin'}),  # evaluation/follow-up/
    'evaluation:follow_up_phone': R(None, anon=405, rest=405),  # evaluation/follow-up/<int:pk>/phone/
    'evaluation:leader': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader admin'}),  # evaluation/
    'evaluation:leader_live': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader admin'}),  # evaluation/live/
    'evaluation:my_department': R(None, anon='login', rest=404, allow={302: 'handler other_handler'}),  # evaluation/department/
    'evaluation:opendata': R(None, anon=200, rest=200),  # evaluation/opendata/
    'evaluation:opendata_file': R(None, anon=404, rest=404),  # evaluation/opendata/<str:name>
    'evaluation:public': R(None, anon=200, rest=200),  # evaluation/public/
    'evaluation:rankings': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader admin'}),  # evaluation/rankings/
    'evaluation:report': R(None, anon='login', rest=404),  # evaluation/report/<str:kind>/<int:pk>/
    'evaluation:report_docx': R(None, anon='login', rest=404),  # evaluation/report/<str:kind>/<int:pk>/docx/
    'evaluation:unit': R(None, anon='login', rest=404),  # evaluation/unit/<str:kind>/<int:pk>/
    'grid:activity_detail': R(None, anon='login', rest=404),  # grid/activities/<int:pk>/
    'grid:activity_new': R(None, anon=405, rest=405),  # grid/organisations/<int:pk>/activities/
    'grid:catalogue': R(None, anon='login', rest=404, allow={200: 'handler other_handler supervisor east_supervisor leader grid_worker west_grid_worker admin'}),  # grid/catalogue/
    'grid:community_detail': R(None, anon='login', rest=404),  # grid/communities/<int:pk>/
    'grid:community_list': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader grid_worker west_grid_worker admin'}),  # grid/
    'grid:field_checkin': R(None, anon='login', rest=404, allow={200: 'grid_worker west_grid_worker'}),  # grid/m/checkin/
    'grid:field_home': R(None, anon='login', rest=404, allow={200: 'grid_worker west_grid_worker'}),  # grid/m/
    'grid:field_report': R(None, anon='login', rest=404, allow={200: 'grid_worker west_grid_worker'}),  # grid/m/report/
    'grid:field_sync': R(None, anon=405, rest=405),  # grid/m/sync/
    'grid:field_visit': R(None, anon='login', rest=404, allow={200: 'grid_worker west_grid_worker'}),  # grid/m/visit/
    'grid:household_edit': R(None, anon='login', rest=404),  # grid/residents/households/<int:household>/edit/
    'grid:household_new': R(None, anon='login', rest=404, allow={200: 'grid_worker west_grid_worker'}),  # grid/residents/households/new/
    'grid:manifest': R(None, anon=200, rest=200),  # grid/m/manifest.webmanifest
    'grid:organisation_detail': R(None, anon='login', rest=404),  # grid/organisations/<int:pk>/
    'grid:organisation_edit': R(None, anon='login', rest=404),  # grid/organisations/<int:pk>/edit/
    'grid:organisation_list': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader grid_worker west_grid_worker admin'}),  # grid/organisations/
    'grid:organisation_new': R(None, anon='login', rest=404, allow={200: 'grid_worker west_grid_worker admin'}),  # grid/organisations/new/
    'grid:resident_detail': R('resident', anon='login', rest=404, allow={200: 'grid_worker'}),  # grid/residents/<int:pk>/
    'grid:resident_edit': R('resident', anon='login', rest=404, allow={200: 'grid_worker'}),  # grid/residents/<int:pk>/edit/
    'grid:resident_list': R(None, anon='login', rest=404, allow={200: 'grid_worker west_grid_worker'}),  # grid/residents/
    'grid:resident_move_out': R('resident', anon=405, rest=405),  # grid/residents/<int:pk>/move-out/
    'grid:resident_new': R(None, anon='login', rest=404),  # grid/residents/households/<int:household>/residents/new/
    'grid:reveal_contact': R(None, anon=405, rest=405),  # grid/reveal/<slug:kind>/<int:pk>/<slug:field>/
    'grid:reveal_resident': R('resident', anon=405, rest=405),  # grid/residents/<int:pk>/reveal/<slug:field>/
    'grid:service_worker': R(None, anon=200, rest=200),  # grid/m/sw.js
    'grid:task_action': R(None, anon=405, rest=405),  # grid/tasks/<int:pk>/<slug:action>/
    'grid:task_detail': R(None, anon='login', rest=404),  # grid/tasks/<int:pk>/
    'grid:task_list': R(None, anon='login', rest=404, allow={200: 'handler other_handler supervisor east_supervisor leader grid_worker west_grid_worker admin'}),  # grid/tasks/
    'grid:task_new': R(None, anon='login', rest=404, allow={200: 'handler other_handler'}),  # grid/tasks/new/
    'grid:volunteer_list': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader grid_worker west_grid_worker admin'}),  # grid/volunteers/
    'grid:worker_action': R(None, anon=405, rest=405),  # grid/workers/<int:grid>/<slug:action>/
    'grid:worker_assignments': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor admin'}),  # grid/workers/
    'login': R(None, anon=200, rest=302),  # accounts/login/
    'logout': R(None, anon=405, rest=405),  # accounts/logout/
    'open311:discovery': R(None, anon=200, rest=200),  # open311/v2/^discovery(?:\.(?P<fmt>xml|json))?$
    'open311:openapi': R(None, anon=200, rest=200),  # open311/v2/^openapi\.json$
    'open311:request': R(None, anon=404, rest=404),  # open311/v2/^requests/(?P<request_id>[^/]+?)(?:\.(?P<fmt>xml|json))?$
    'open311:requests': R(None, anon=200, rest=200),  # open311/v2/^requests(?:\.(?P<fmt>xml|json))?$
    'open311:service': R(None, anon=404, rest=404),  # open311/v2/^services/(?P<code>[^/]+?)(?:\.(?P<fmt>xml|json))?$
    'open311:services': R(None, anon=200, rest=200),  # open311/v2/^services(?:\.(?P<fmt>xml|json))?$
    'open311:token': R(None, anon=404, rest=404),  # open311/v2/^tokens/(?P<token>[^/]+?)(?:\.(?P<fmt>xml|json))?$
    'participation:consultation_comment': R(None, anon=405, rest=405),  # participation/consultations/<int:pk>/sections/<int:section_id>/comment/
    'participation:consultation_detail': R(None, anon=404, rest=404),  # participation/consultations/<int:pk>/
    'participation:consultation_list': R(None, anon=200, rest=200),  # participation/consultations/
    'participation:moderation': R(None, anon='login', rest=404, allow={200: 'operator supervisor east_supervisor admin'}),  # participation/staff/moderation/
    'participation:moderation_action': R(None, anon='login', rest=404, allow={405: 'operator supervisor east_supervisor admin'}),  # participation/staff/moderation/<int:pk>/<slug:action>/
    'participation:moderation_appeal': R(None, anon=405, rest=405),  # participation/moderation/<int:pk>/appeal/
    'participation:moderation_case': R(None, anon='login', rest=404),  # participation/staff/moderation/<int:pk>/
    'participation:proposal_detail': R('proposal', anon=404, rest=404, allow={200: 'citizen'}),  # participation/proposals/<int:pk>/
    'participation:proposal_list': R(None, anon=200, rest=200),  # participation/
    'participation:proposal_new': R(None, anon=302, rest=200),  # participation/proposals/new/
    'participation:proposal_photo': R('proposal', anon=404, rest=404),  # participation/proposals/<int:pk>/photos/<int:photo_id>/
    'participation:proposal_support': R('proposal', anon=405, rest=405),  # participation/proposals/<int:pk>/support/
    'participation:staff_consultation': R(None, anon='login', rest=404),  # participation/staff/consultations/<int:pk>/
    'participation:staff_consultation_action': R(None, anon='login', rest=404, allow={405: 'handler other_handler admin'}),  # participation/staff/consultations/<int:pk>/<slug:action>/
    'participation:staff_consultation_edit': R(None, anon='login', rest=404),  # participation/staff/consultations/<int:pk>/edit/
    'participation:staff_consultation_new': R(None, anon='login', rest=404, allow={200: 'handler other_handler admin'}),  # participation/staff/consultations/new/
    'participation:staff_consultations': R(None, anon='login', rest=404, allow={200: 'handler other_handler admin'}),  # participation/staff/consultations/
    'participation:staff_proposal': R('proposal', anon='login', rest=404, allow={200: 'operator dispatcher supervisor leader admin'}),  # participation/staff/proposals/<int:pk>/
    'participation:staff_proposal_action': R('proposal', anon='login', rest=404, allow={405: 'operator dispatcher handler other_handler supervisor east_supervisor leader admin'}),  # participation/staff/proposals/<int:pk>/<slug:action>/
    'participation:staff_proposal_photo': R('proposal', anon='login', rest=404),  # participation/staff/proposals/<int:pk>/photos/<int:photo_id>/
    'participation:staff_proposal_reveal': R('proposal', anon='login', rest=404, allow={405: 'operator dispatcher handler other_handler supervisor east_supervisor leader admin'}),  # participation/staff/proposals/<int:pk>/reveal/
    'participation:staff_proposals': R(None, anon='login', rest=404, allow={200: 'operator dispatcher handler other_handler supervisor east_supervisor leader admin'}),  # participation/staff/proposals/
    'participation:staff_survey_action': R(None, anon='login', rest=404, allow={405: 'handler other_handler admin'}),  # participation/staff/surveys/<int:pk>/<slug:action>/
    'participation:staff_survey_edit': R(None, anon='login', rest=404),  # participation/staff/surveys/<int:pk>/edit/
    'participation:staff_survey_new': R(None, anon='login', rest=404, allow={200: 'handler other_handler admin'}),  # participation/staff/surveys/new/
    'participation:survey_detail': R(None, anon=404, rest=404),  # participation/surveys/<int:pk>/
    'participation:survey_export': R(None, anon='login', rest=404),  # participation/staff/surveys/<int:pk>/export.xlsx
    'participation:survey_list': R(None, anon=200, rest=200),  # participation/surveys/
    'participation:survey_results': R(None, anon=404, rest=404),  # participation/surveys/<int:pk>/results/
    'participation:verify': R(None, anon=200, rest=200),  # participation/verify/
    'password_reset': R(None, anon=200, rest=200),  # accounts/password/reset/
    'password_reset_complete': R(None, anon=200, rest=200),  # accounts/password/reset/done/
    'password_reset_confirm': R(None, anon=200, rest=200),  # accounts/password/reset/<uidb64>/<token>/
    'password_reset_done': R(None, anon=200, rest=200),  # accounts/password/reset/sent/
    'portal:grids': R(None, anon=200, rest=200),  # grids.json
    'portal:home': R(None, anon=200, rest=200),  # 
    'portal:my_appeals': R(None, anon='login', rest=200),  # my/
    'portal:rate': R('appeal', anon=405, rest=405),  # track/<str:tracking_number>/rate/
    'portal:rating_link': R(None, anon=302, rest=302),  # track/open/<str:token>/
    'portal:recover': R(None, anon=200, rest=200),  # track/recover/
    'portal:reply_photo': R('appeal', anon=404, rest=404),  # track/<str:tracking_number>/photos/<int:attachment_id>/
    'portal:submit': R(None, anon=200, rest=200),  # submit/
    'portal:submitted': R(None, anon=302, rest=302),  # submit/done/
    'portal:track': R(None, anon=200, rest=200),  # track/
    'portal:track_detail': R('appeal', anon=302, rest=302),  # track/<str:tracking_number>/
    'portal:unsubscribe': R(None, anon=404, rest=404),  # notifications/unsubscribe/<str:token>/
    'safety:bulletin_detail': R(None, anon='login', rest=403, allow={404: 'leader analyst east_analyst admin'}),  # safety/bulletins/<str:day>/
    'safety:bulletin_docx': R(None, anon='login', rest=403, allow={404: 'leader analyst east_analyst admin'}),  # safety/bulletins/<str:day>/docx/
    'safety:bulletin_list': R(None, anon='login', rest=403, allow={200: 'leader analyst east_analyst admin'}),  # safety/bulletins/
    'safety:bulletin_send': R(None, anon=405, rest=405),  # safety/bulletins/<str:day>/send/
    'safety:forecast': R(None, anon='login', rest=403, allow={200: 'leader analyst east_analyst admin'}),  # safety/forecast/
    'safety:home': R(None, anon='login', rest=403, allow={200: 'leader analyst east_analyst admin'}),  # safety/
    'safety:incident_detail': R('safety_incident', anon='login', rest=403, allow={200: 'leader analyst admin', 404: 'east_analyst'}),  # safety/incidents/<int:pk>/
    'safety:incident_edit': R('safety_incident', anon='login', rest=403, allow={200: 'analyst admin', 404: 'east_analyst'}),  # safety/incidents/<int:pk>/edit/
    'safety:incident_list': R(None, anon='login', rest=403, allow={200: 'leader analyst east_analyst admin'}),  # safety/incidents/
    'safety:incident_new': R(None, anon='login', rest=403, allow={200: 'analyst east_analyst admin'}),  # safety/incidents/new/
    'safety:incident_status': R('safety_incident', anon=405, rest=405),  # safety/incidents/<int:pk>/status/
    'safety:informant_detail': R(None, anon='login', rest=403, allow={404: 'informant'}),  # safety/informants/<int:pk>/
    'safety:informant_report': R(None, anon=405, rest=405),  # safety/informants/<int:pk>/report/
    'safety:informants': R(None, anon='login', rest=403, allow={200: 'informant'}),  # safety/informants/
    'safety:leads': R(None, anon='login', rest=403, allow={200: 'leader analyst east_analyst informant admin'}),  # safety/leads/
    'safety:near_repeat': R(None, anon='login', rest=403, allow={200: 'leader analyst east_analyst admin'}),  # safety/near-repeat/
    'safety:patterns': R(None, anon='login', rest=403, allow={200: 'leader analyst east_analyst admin'}),  # safety/patterns/
    'safety:report_detail': R(None, anon='login', rest=403, allow={404: 'informant'}),  # safety/reports/<int:pk>/
    'safety:roster_print': R(None, anon='login', rest=403, allow={404: 'leader analyst east_analyst admin'}),  # safety/forecast/roster/
    'safety:submit': R(None, anon=200, rest=200),  # safety/submit/
    'set_language': R(None, anon=302, rest=302),  # i18n/setlang/
    'staff:appeal_action': R('appeal', anon=405, rest=405),  # staff/appeals/<int:pk>/<slug:action>/
    'staff:appeal_detail': R('appeal', anon='login', rest=200, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # staff/appeals/<int:pk>/
    'staff:appeal_export': R(None, anon='login', rest=200, allow={404: 'citizen'}),  # staff/appeals/export.xlsx
    'staff:appeal_list': R(None, anon='login', rest=200, allow={404: 'citizen'}),  # staff/appeals/
    'staff:appeal_to_incident': R('appeal', anon='login', rest=404, allow={405: 'supervisor east_supervisor leader grid_worker west_grid_worker emergency admin'}),  # staff/appeals/<int:pk>/to-incident/
    'staff:attachment': R('appeal', anon='login', rest=404),  # staff/appeals/<int:pk>/attachments/<int:attachment_id>/
    'staff:board': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor leader admin'}),  # staff/board/
    'staff:bulk_action': R(None, anon=405, rest=405),  # staff/appeals/bulk/
    'staff:desk': R(None, anon='login', rest=404, allow={200: 'operator admin'}),  # staff/desk/
    'staff:desk_answer': R(None, anon=405, rest=405),  # staff/desk/answer/
    'staff:desk_history': R(None, anon=405, rest=405),  # staff/desk/history/
    'staff:desk_live': R(None, anon=405, rest=405),  # staff/desk/live/
    'staff:desk_places': R(None, anon=405, rest=405),  # staff/desk/places/
    'staff:grid_report': R(None, anon='login', rest=404, allow={200: 'grid_worker west_grid_worker admin'}),  # staff/grid/
    'staff:inbox': R(None, anon='login', rest=200, allow={404: 'citizen'}),  # staff/
    'staff:knowledge_edit': R(None, anon='login', rest=404),  # staff/knowledge/<int:pk>/
    'staff:knowledge_list': R(None, anon='login', rest=404, allow={200: 'operator supervisor east_supervisor admin'}),  # staff/knowledge/
    'staff:knowledge_new': R(None, anon='login', rest=404, allow={200: 'supervisor east_supervisor admin'}),  # staff/knowledge/new/
    'staff:knowledge_toggle': R(None, anon=405, rest=405),  # staff/knowledge/<int:pk>/toggle/
    'staff:notification_settings': R(None, anon='login', rest=200, allow={404: 'citizen'}),  # staff/notifications/settings/
    'staff:notifications': R(None, anon='login', rest=200, allow={404: 'citizen'}),  # staff/notifications/
    'staff:notifications_read': R(None, anon=405, rest=405),  # staff/notifications/read/
    'staff:publication_queue': R(None, anon='login', rest=404, allow={200: 'dispatcher supervisor east_supervisor admin'}),  # staff/publication/
    'staff:queue_print': R(None, anon='login', rest=200, allow={404: 'citizen'}),  # staff/appeals/print/
    'staff:reply_check': R('appeal', anon=405, rest=405),  # staff/appeals/<int:pk>/reply-check/
    'staff:reveal': R('appeal', anon=405, rest=405),  # staff/appeals/<int:pk>/reveal/<slug:field>/
    'staff:work_order': R('appeal', anon='login', rest=200, allow={404: 'citizen handler other_handler east_supervisor grid_worker east_analyst'}),  # staff/appeals/<int:pk>/print/
    'triage:alert': R(None, anon='login', rest=404),  # triage/alerts/<int:pk>/
    'triage:alert_action': R(None, anon='login', rest=405),  # triage/alerts/<int:pk>/act/
    'triage:alerts': R(None, anon='login', rest=200, allow={404: 'citizen'}),  # triage/alerts/
    'triage:hot_board': R(None, anon='login', rest=200, allow={404: 'citizen'}),  # triage/hot/
    'triage:hot_issue': R(None, anon='login', rest=404),  # triage/hot/<int:pk>/
    'triage:model': R(None, anon='login', rest=200, allow={404: 'citizen'}),  # triage/model/
    'two_factor': R(None, anon='login', rest=302),  # accounts/two-factor/
}
