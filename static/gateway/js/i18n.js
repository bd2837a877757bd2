// The page's strings in the page's language. Django's JavaScript catalogue
// (/gateway/i18n/<lang>/catalog.js, loaded by base.html before any module) defines the
// global gettext family; every user-visible string in these modules goes through them so
// `makemessages -d djangojs` finds it.
const catalog = globalThis.django;

export const gettext = (msgid) => catalog.gettext(msgid);
export const ngettext = (singular, plural, count) => catalog.ngettext(singular, plural, count);
// interpolate("%(n)s left", { n: 3 }) — named placeholders, as in the catalogue.
export const interpolate = (fmt, values) => catalog.interpolate(fmt, values, true);
