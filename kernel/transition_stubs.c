/*
 * TEMPORARY: weak stand-ins for the library, shell and memory code that
 * other branches are landing, so the arch code can boot on its own. Each is
 * overridden by the real definition; this file is deleted once all land.
 */
#include <stdarg.h>
#include "types.h"
#include "kstring.h"
#include "printk.h"
#include "console.h"
#include "bootinfo.h"
#include "mm.h"
#include "shell.h"
#include "arch.h"
#include "spinlock.h"
__attribute__((weak)) void *memcpy(void *d, const void *s, size_t n){char*a=d;const char*b=s;while(n--)*a++=*b++;return d;}
__attribute__((weak)) void *memset(void *d, int c, size_t n){char*a=d;while(n--)*a++=c;return d;}
__attribute__((weak)) void *memmove(void *d, const void *s, size_t n){return memcpy(d,s,n);}
__attribute__((weak)) int memcmp(const void *x, const void *y, size_t n){const unsigned char*a=x,*b=y;for(;n;n--,a++,b++)if(*a!=*b)return *a-*b;return 0;}
__attribute__((weak)) size_t strlen(const char*s){size_t n=0;while(s[n])n++;return n;}
__attribute__((weak)) int strcmp(const char*a,const char*b){while(*a&&*a==*b){a++;b++;}return (unsigned char)*a-(unsigned char)*b;}
static void putn(char **p, char *e, unsigned long long v, int base, int width, char pad){char t[32];int n=0;do{t[n++]="0123456789abcdef"[v%base];v/=base;}while(v);while(n<width){t[n++]=pad;}while(n--) if(*p<e) *(*p)++=t[n];}
__attribute__((weak)) int kvsnprintf(char *buf, size_t size, const char *f, va_list ap){char*p=buf,*e=buf+size-1;for(;*f;f++){if(*f!='%'){if(p<e)*p++=*f;continue;}f++;char pad=' ';int w=0;if(*f=='-')f++;if(*f=='0'){pad='0';f++;}while(*f>='0'&&*f<='9')w=w*10+*f++-'0';int l=0;while(*f=='l'||*f=='z'){l++;f++;}
 if(*f=='s'){const char*s=va_arg(ap,const char*);while(*s&&p<e)*p++=*s++;}else if(*f=='c'){if(p<e)*p++=va_arg(ap,int);}else if(*f=='d'){long long v=l?va_arg(ap,long long):va_arg(ap,int);if(v<0){if(p<e)*p++='-';v=-v;}putn(&p,e,v,10,w,pad);}else if(*f=='u'||*f=='x'||*f=='p'){unsigned long long v=(l||*f=='p')?va_arg(ap,unsigned long long):va_arg(ap,unsigned);putn(&p,e,v,*f=='u'?10:16,w,pad);}else if(p<e)*p++=*f;}*p=0;return p-buf;}
__attribute__((weak)) int ksnprintf(char *b, size_t n, const char *f, ...){va_list ap;va_start(ap,f);int r=kvsnprintf(b,n,f,ap);va_end(ap);return r;}
__attribute__((weak)) void kvprintf(const char *f, va_list ap){char b[512];int n=kvsnprintf(b,sizeof b,f,ap);console_write(b,n);}
__attribute__((weak)) void kprintf(const char *f, ...){va_list ap;va_start(ap,f);kvprintf(f,ap);va_end(ap);}
__attribute__((weak)) void printk(int l, const char *f, ...){va_list ap;va_start(ap,f);kvprintf(f,ap);va_end(ap);}
__attribute__((weak)) void panic(const char *f, ...){va_list ap;va_start(ap,f);kprintf("PANIC: ");kvprintf(f,ap);va_end(ap);qemu_exit(0x11);}
__attribute__((weak)) void printk_configure(const char *c){}
__attribute__((weak)) bool bootinfo_parse(struct boot_info *bi, const void *mbi, size_t max){return true;}
__attribute__((weak)) void pmm_init(const struct boot_info *bi){}
__attribute__((weak)) void vmm_init(const struct boot_info *bi){}
__attribute__((weak)) void kmalloc_init(void){}
__attribute__((weak)) void *phys_to_virt(phys_addr_t p){return (void*)(p+DIRECT_MAP_BASE);}
__attribute__((weak)) void *ioremap(phys_addr_t p, size_t l){return phys_to_virt(p);}
static volatile int got;
__attribute__((weak)) void shell_input_char(char c){got=c;}
__attribute__((weak)) void shell_run(void){kprintf("tern> ");extern const struct shell_cmd __start_shell_cmds[];char *argv[]={"crash","pf"}; for(;;){arch_idle(); if(got){kprintf("got %c\n",got); if(got=='p') __start_shell_cmds[0].fn(2,argv); if(got=='q') qemu_exit(0x10); got=0;}}}
